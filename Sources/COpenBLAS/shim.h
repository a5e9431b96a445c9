// OpenBLAS's CBLAS interface (cblas_sgemm) and its thread control (openblas_set_num_threads).
#include <cblas.h>
