import Testing

@Test func placeholder_EBJRExportTests() { #expect(Bool(true)) }
