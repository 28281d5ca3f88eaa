import EBJRNN
import EBJROptimizers

func EBJROptimizersAdam(_ module: Module) -> Adam { Adam(parameters: module.namedParameters(), learningRate: 0.05) }
