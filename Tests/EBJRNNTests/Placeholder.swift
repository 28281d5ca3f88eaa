import Testing

@Test func placeholder_EBJRNNTests() { #expect(Bool(true)) }
