import Dispatch

/// Work started on a thread of its own, whose result is waited for when it is needed.
///
/// ```swift
/// let linking = InBackground { linker.link(columns: columns) }
/// let counts = try load.programNameCounts()   // meanwhile, on this thread
/// let output = linking.value
/// ```
public final class InBackground<Value: Sendable>: @unchecked Sendable {
  // Written once by the work's thread before `done` is signalled, read after waiting for it.
  private var result: Value?
  private let done = DispatchSemaphore(value: 0)

  public init(_ work: @escaping @Sendable () -> Value) {
    DispatchQueue.global().async {
      self.result = work()
      self.done.signal()
    }
  }

  /// The work's result, waiting for it if need be (the first read waits; later reads do not).
  public var value: Value {
    done.wait()
    done.signal()
    return result!
  }
}
