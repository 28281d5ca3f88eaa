import Testing
import Foundation
import EBJRKernels

/// `parallelFor` runs every chunk exactly once and returns only after all of them, for many short jobs in a row
/// (workers spinning between jobs), nested calls (run on the calling thread) and several application threads at once.
@Suite struct WorkerPoolTests {
    /// Runs `jobs` jobs of varying sizes and returns how many chunks ran a number of times other than once.
    static func miscounted(jobs: Int, seed: Int, nested: Bool = false) -> Int {
        var wrong = 0
        for job in 0..<jobs {
            let chunks = 2 + (job * 7 + seed) % 40, threads = 2 + (job + seed) % 3
            let counts = UnsafeMutablePointer<Int>.allocate(capacity: chunks)
            counts.initialize(repeating: 0, count: chunks)
            let inner = UnsafeMutablePointer<Int>.allocate(capacity: chunks * 3)
            inner.initialize(repeating: 0, count: chunks * 3)
            let countsBox = SendablePointer(counts), innerBox = SendablePointer(inner)
            parallelFor(chunks: chunks, threads: threads) { chunk in
                countsBox.pointer[chunk] += 1
                if nested {
                    parallelFor(chunks: 3, threads: 2) { innerBox.pointer[chunk * 3 + $0] += 1 }
                }
            }
            // Read right after the call: every chunk must already be done.
            wrong += (0..<chunks).filter { counts[$0] != 1 }.count
            if nested { wrong += (0..<(chunks * 3)).filter { inner[$0] != 1 }.count }
            counts.deallocate()
            inner.deallocate()
        }
        return wrong
    }

    @Test func everyChunkRunsOnceInManyShortJobs() {
        #expect(Self.miscounted(jobs: 3000, seed: 1) == 0)
    }

    @Test func nestedCallsRunEveryChunkOnce() {
        #expect(Self.miscounted(jobs: 500, seed: 2, nested: true) == 0)
    }

    @Test func concurrentCallersEachGetEveryChunk() {
        let wrong = UnsafeMutablePointer<Int>.allocate(capacity: 4)
        wrong.initialize(repeating: -1, count: 4)
        let box = SendablePointer(wrong)
        DispatchQueue.concurrentPerform(iterations: 4) { caller in
            box.pointer[caller] = Self.miscounted(jobs: 400, seed: caller)
        }
        #expect((0..<4).map { wrong[$0] } == [0, 0, 0, 0])
        wrong.deallocate()
    }

    @Test func singleThreadRunsInOrderOnTheCaller() {
        var order: [Int] = []
        let caller = Thread.current
        var sameThread = true
        parallelFor(chunks: 5, threads: 1) { chunk in
            order.append(chunk)
            sameThread = sameThread && Thread.current == caller
        }
        #expect(order == [0, 1, 2, 3, 4] && sameThread)
    }
}
