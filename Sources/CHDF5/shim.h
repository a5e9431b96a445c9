// The HDF5 C library (Debian: libhdf5-dev, serial build).
#include <hdf5.h>
