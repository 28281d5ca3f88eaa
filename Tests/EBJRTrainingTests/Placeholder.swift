import Testing

@Test func placeholder_EBJRTrainingTests() { #expect(Bool(true)) }
