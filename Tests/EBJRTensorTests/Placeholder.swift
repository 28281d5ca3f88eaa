import Testing

@Test func placeholder_EBJRTensorTests() { #expect(Bool(true)) }
