import Testing

@Test func placeholder_EBJRLangTests() { #expect(Bool(true)) }
