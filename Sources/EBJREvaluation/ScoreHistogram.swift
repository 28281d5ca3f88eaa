import EBJRRouting

/// Score distributions of two or more groups over common bins (e.g. side correct vs wrong).
public struct ScoreHistogram: Hashable, Sendable, Codable {
    public struct Group: Hashable, Sendable, Codable {
        public var name: String
        /// Samples per bin.
        public var counts: [Int]
    }

    public var title: String
    /// `bins + 1` ascending edges; bin `j` is `[edges[j], edges[j+1])`, the last bin closed.
    public var edges: [Double]
    public var groups: [Group]

    /// Bins the groups' values over `[min, max]` of all of them (one bin of width 1 around a constant).
    public init(title: String, groups: [(name: String, values: [Double])], bins: Int) {
        let all = groups.flatMap { $0.values }
        var low = all.min() ?? 0
        var high = all.max() ?? 1
        if high <= low {
            low -= 0.5
            high += 0.5
        }
        let count = max(1, bins)
        let width = (high - low) / Double(count)
        self.title = title
        edges = (0...count).map { low + Double($0) * width }
        self.groups = groups.map { group in
            var counts = [Int](repeating: 0, count: count)
            for v in group.values {
                counts[min(count - 1, max(0, Int((v - low) / width)))] += 1
            }
            return Group(name: group.name, counts: counts)
        }
    }
}
