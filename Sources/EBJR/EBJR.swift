// The umbrella module: `import EBJR` brings in every layer of the toolkit.
@_exported import EBJRKernels
@_exported import EBJRTensor
@_exported import EBJRNN
@_exported import EBJROptimizers
@_exported import EBJRFiles
@_exported import EBJRHDF5
@_exported import EBJRData
@_exported import EBJRCheckpoint
@_exported import EBJRRouting
@_exported import EBJRDeferral
@_exported import EBJREvaluation
@_exported import EBJRRecipe
@_exported import EBJRTraining
@_exported import EBJRLang
@_exported import EBJRExport
@_exported import EBJRWorkflow
@_exported import EBJRBenchmark
