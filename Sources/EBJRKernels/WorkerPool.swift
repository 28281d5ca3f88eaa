import Foundation
import Synchronization

/// The kernels' worker threads: persistent, and spinning briefly between jobs before they park.
///
/// Why not `DispatchQueue.concurrentPerform`: on Linux its pool threads park on a futex as soon as a job ends,
/// and waking one takes tens of microseconds on a virtual machine. A training step calls a parallel GEMM
/// or elementwise pass every few hundred microseconds, so that wake-up cost ate most of the second core
/// (batch-256 inference of the side model ran slower on 2 threads than on 1). Workers here keep polling
/// for the next job for `spinMicroseconds` after each one (as OpenMP runtimes do) and only then park.
///
/// A job is `chunks` calls of a body; the caller and up to `helpers` workers take chunks one at a time from a
/// shared counter, so a descheduled thread delays at most the chunk it holds. One job runs at a time: a call
/// made while another is running (from a worker's chunk, or from a second application thread) runs its chunks
/// on the calling thread.
final class WorkerPool: @unchecked Sendable {
    static let shared = WorkerPool()

    /// How long an idle worker keeps polling for the next job before it parks.
    static let spinMicroseconds: UInt64 = 100

    /// One published job.
    final class Job: @unchecked Sendable {
        /// Cleared by the caller once every chunk is done; only read by a thread that has claimed a chunk.
        var body: ((Int) -> Void)?
        let chunks: Int
        let helpers: Int
        let next = Atomic<Int>(0)
        let done = Atomic<Int>(0)
        let joined = Atomic<Int>(0)

        init(body: @escaping (Int) -> Void, chunks: Int, helpers: Int) {
            self.body = body
            self.chunks = chunks
            self.helpers = helpers
        }

        /// Claims and runs chunks until none is left.
        func work() {
            while true {
                let index = next.wrappingAdd(1, ordering: .relaxed).oldValue
                if index >= chunks { return }
                body!(index)
                done.wrappingAdd(1, ordering: .releasing)
            }
        }
    }

    private let condition = NSCondition()
    /// The running job (guarded by `condition`).
    private var current: Job?
    /// Idle workers parked on `condition` (guarded by it).
    private var sleepers = 0
    /// Workers started so far (guarded by `condition`).
    private var started = 0
    /// Bumped (under `condition`) each time a job is published; idle workers poll it.
    private let generation = Atomic<Int>(0)
    /// Set while a job runs.
    private let busy = Atomic<Bool>(false)

    /// Runs `body(0..<chunks)` on the calling thread and up to `helpers` workers; returns once every chunk is done.
    func run(chunks: Int, helpers: Int, _ body: (Int) -> Void) {
        guard helpers > 0, chunks > 1, busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            for index in 0..<chunks { body(index) }
            return
        }
        withoutActuallyEscaping(body) { escapable in
            let job = Job(body: escapable, chunks: chunks, helpers: helpers)
            condition.lock()
            startWorkers(upTo: helpers)
            current = job
            generation.wrappingAdd(1, ordering: .releasing)
            if sleepers > 0 { condition.broadcast() }
            condition.unlock()
            job.work()
            var spins = 0
            while job.done.load(ordering: .acquiring) < chunks {
                spins += 1
                if spins & 1023 == 0 { sched_yield() }
            }
            // Every chunk is done, so no thread reads `body` again: drop it before the closure stops being valid.
            job.body = nil
            condition.lock()
            current = nil
            condition.unlock()
        }
        busy.store(false, ordering: .releasing)
    }

    /// Starts worker threads until there are `count` (called with `condition` held).
    private func startWorkers(upTo count: Int) {
        while started < min(count, 63) {
            started += 1
            let thread = Thread { [unowned self] in self.workerLoop() }
            thread.name = "ebjr-kernel-\(started)"
            thread.start()
        }
    }

    private func workerLoop() {
        var seen = generation.load(ordering: .acquiring)
        while true {
            var spinStart: UInt64 = 0, polls = 0
            while generation.load(ordering: .acquiring) == seen {
                polls += 1
                if polls & 255 != 0 { continue }
                let now = DispatchTime.now().uptimeNanoseconds
                if spinStart == 0 { spinStart = now; continue }
                if now - spinStart < Self.spinMicroseconds * 1000 { continue }
                condition.lock()
                while generation.load(ordering: .acquiring) == seen {
                    sleepers += 1
                    condition.wait()
                    sleepers -= 1
                }
                condition.unlock()
            }
            seen = generation.load(ordering: .acquiring)
            condition.lock()
            let job = current
            condition.unlock()
            guard let job else { continue }
            if job.joined.wrappingAdd(1, ordering: .relaxed).newValue <= job.helpers { job.work() }
        }
    }
}
