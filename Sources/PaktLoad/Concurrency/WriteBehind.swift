import Dispatch
import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Writes the warehouse file's pages to disk in the background while a transaction goes on,
/// so that the commit's own sync waits only for what was written since.
///
/// SQLite writes a large transaction's pages into the file as its cache spills, but the
/// operating system keeps them in memory until the commit's `fdatasync`, which then writes
/// them all at once: 1.3 s of the 300,000-person benchmark's commit, with the disk idle for
/// the 10 s before it. A sync started after loading writes them while linking runs on the CPU.
/// It changes nothing about durability or atomicity: the commit still syncs the journal and
/// the file in SQLite's order, and pages written early belong to a file that the journal can
/// still roll back.
///
/// ```swift
/// let behind = WriteBehind(path: "out/warehouse.sqlite")
/// behind?.start()   // after loading
/// // … link, then commit …
/// behind?.finish()  // after the transaction ends
/// ```
///
/// Its own descriptor is closed only in `finish`, after the transaction: closing any
/// descriptor of a file drops the process's POSIX locks on it, and SQLite holds its locks
/// through its own descriptor while the transaction lasts.
public final class WriteBehind: @unchecked Sendable {
  // Unchecked: `descriptor` is set once in `init` and closed in `finish` after `group.wait()`,
  // when no sync can be running.
  private let descriptor: Int32
  private let group = DispatchGroup()
  private let lock = NSLock()
  private var running = false
  private var again = false

  /// Opens `path` for syncing; `nil` when it cannot be opened (then nothing is written early).
  public init?(path: String) {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    descriptor = fd
  }

  /// Starts writing the file's pages to disk on another thread. While a sync is under way,
  /// one more follows it, for the pages written since it began.
  public func start() {
    lock.lock()
    defer { lock.unlock() }
    guard !running else {
      again = true
      return
    }
    running = true
    let fd = descriptor
    DispatchQueue.global(qos: .utility).async(group: group) { [self] in
      while true {
        // Best effort: a failure here only leaves the pages for the commit's sync to write.
        _ = fdatasync(fd)
        lock.lock()
        defer { lock.unlock() }
        guard again else {
          running = false
          return
        }
        again = false
      }
    }
  }

  /// Waits for a sync under way and closes the descriptor. Call once the transaction has
  /// ended (committed or rolled back), never while it holds its locks.
  public func finish() {
    group.wait()
    close(descriptor)
  }
}
