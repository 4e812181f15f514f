import Dispatch

extension Array {
  /// `transform` of each element, in order, computed on all cores in chunks of `chunk`
  /// elements; for work per element that dwarfs the hand-over (name keys, HMACs).
  ///
  /// `transform` runs on several threads at once: it must only read shared state.
  ///
  /// ```swift
  /// let keys = records.concurrentMap { NameKey.make(family: $0.familyName, given: $0.givenName) }
  /// ```
  public func concurrentMap<T>(chunk: Int = 4096, _ transform: (Element) -> T) -> [T] {
    let count = self.count
    return [T](unsafeUninitializedCapacity: count) { buffer, initialized in
      // Each chunk initializes only its own slice; every slot is written before `initialized`
      // is set.
      nonisolated(unsafe) let target = buffer
      withoutActuallyEscaping(transform) { transform in
        nonisolated(unsafe) let transform = transform
        self.withUnsafeBufferPointer { source in
          nonisolated(unsafe) let source = source
          DispatchQueue.concurrentPerform(iterations: (count + chunk - 1) / chunk) { c in
            for i in (c * chunk)..<Swift.min(count, (c + 1) * chunk) {
              (target.baseAddress! + i).initialize(to: transform(source[i]))
            }
          }
        }
      }
      initialized = count
    }
  }
}
