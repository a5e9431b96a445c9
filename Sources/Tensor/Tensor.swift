import COpenBLAS
public enum TensorPlaceholder { public static func blasThreads() -> Int { Int(openblas_get_num_threads()) } }
