import Testing

@Test func placeholder_EBJRRoutingTests() { #expect(Bool(true)) }
