import Testing

@Test func placeholder_EBJRDataTests() { #expect(Bool(true)) }
