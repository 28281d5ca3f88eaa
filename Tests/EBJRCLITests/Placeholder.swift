import Testing

@Test func placeholder_EBJRCLITests() { #expect(Bool(true)) }
