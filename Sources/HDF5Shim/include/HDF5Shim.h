// HDF5 defines its defaults and type ids as macros that expand to function calls or globals; Swift cannot import
// them, so each is wrapped in a tiny function here.
#pragma once
#include <hdf5.h>

hid_t lm_H5P_DEFAULT(void);
unsigned lm_H5F_ACC_TRUNC(void);
unsigned lm_H5F_ACC_RDONLY(void);
unsigned lm_H5F_ACC_RDWR(void);
hid_t lm_H5P_DATASET_CREATE(void);
hid_t lm_H5P_FILE_ACCESS(void);
hid_t lm_H5P_FILE_CREATE(void);
hid_t lm_H5P_LINK_CREATE(void);
hid_t lm_H5S_ALL(void);
hid_t lm_H5T_NATIVE_FLOAT(void);
hid_t lm_H5T_NATIVE_DOUBLE(void);
hid_t lm_H5T_NATIVE_INT32(void);
hid_t lm_H5T_NATIVE_INT64(void);
hid_t lm_H5T_NATIVE_INT8(void);
hid_t lm_H5T_NATIVE_INT16(void);
hid_t lm_H5T_NATIVE_UINT8(void);
hid_t lm_H5T_NATIVE_UINT16(void);
hid_t lm_H5T_NATIVE_UINT32(void);
hid_t lm_H5T_NATIVE_UINT64(void);
hid_t lm_H5T_C_S1(void);
/// H5T_VARIABLE: the size that makes a string type variable-length.
size_t lm_H5T_VARIABLE(void);
/// Silence HDF5's own stderr error stack, so lmlab reports one clear line instead.
void lm_H5_silence_errors(void);
/// Copies the most specific message of HDF5's current error stack (e.g. "truncated file: eof = …") into `buffer`
/// (always NUL-terminated; empty when the stack is empty). Call right after the failing HDF5 call.
void lm_H5_last_error(char *buffer, size_t size);
/// Number of HDF5 objects (files, groups, datasets, types, attributes) open in this process: 0 when nothing leaks.
long lm_H5_open_object_count(void);
