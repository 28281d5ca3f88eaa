import Testing

@Test func placeholder_EBJRCheckpointTests() { #expect(Bool(true)) }
