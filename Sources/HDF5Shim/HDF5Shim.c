#include "HDF5Shim.h"

hid_t lm_H5P_DEFAULT(void) { return H5P_DEFAULT; }
unsigned lm_H5F_ACC_TRUNC(void) { return H5F_ACC_TRUNC; }
unsigned lm_H5F_ACC_RDONLY(void) { return H5F_ACC_RDONLY; }
unsigned lm_H5F_ACC_RDWR(void) { return H5F_ACC_RDWR; }
hid_t lm_H5P_DATASET_CREATE(void) { return H5P_DATASET_CREATE; }
hid_t lm_H5P_FILE_ACCESS(void) { return H5P_FILE_ACCESS; }
hid_t lm_H5P_FILE_CREATE(void) { return H5P_FILE_CREATE; }
hid_t lm_H5P_LINK_CREATE(void) { return H5P_LINK_CREATE; }
hid_t lm_H5S_ALL(void) { return H5S_ALL; }
hid_t lm_H5T_NATIVE_FLOAT(void) { return H5T_NATIVE_FLOAT; }
hid_t lm_H5T_NATIVE_DOUBLE(void) { return H5T_NATIVE_DOUBLE; }
hid_t lm_H5T_NATIVE_INT32(void) { return H5T_NATIVE_INT32; }
hid_t lm_H5T_NATIVE_INT64(void) { return H5T_NATIVE_INT64; }
hid_t lm_H5T_NATIVE_INT8(void) { return H5T_NATIVE_INT8; }
hid_t lm_H5T_NATIVE_INT16(void) { return H5T_NATIVE_INT16; }
hid_t lm_H5T_NATIVE_UINT8(void) { return H5T_NATIVE_UINT8; }
hid_t lm_H5T_NATIVE_UINT16(void) { return H5T_NATIVE_UINT16; }
hid_t lm_H5T_NATIVE_UINT32(void) { return H5T_NATIVE_UINT32; }
hid_t lm_H5T_NATIVE_UINT64(void) { return H5T_NATIVE_UINT64; }
hid_t lm_H5T_C_S1(void) { return H5T_C_S1; }
size_t lm_H5T_VARIABLE(void) { return H5T_VARIABLE; }
void lm_H5_silence_errors(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }

#include <string.h>

long lm_H5_open_object_count(void) { return (long)H5Fget_obj_count((hid_t)H5F_OBJ_ALL, H5F_OBJ_ALL); }

/* H5Ewalk2 visits the innermost error (where it was detected) first when walking upward; keep that one. */
static herr_t first_error(unsigned n, const H5E_error2_t *err, void *data) {
    char **out = (char **)data;
    if (n == 0 && err->desc != NULL && *out == NULL) {
        *out = (char *)err->desc;
    }
    return 0;
}

void lm_H5_last_error(char *buffer, size_t size) {
    if (size == 0) return;
    buffer[0] = 0;
    char *desc = NULL;
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, first_error, &desc);
    if (desc != NULL) {
        strncpy(buffer, desc, size - 1);
        buffer[size - 1] = 0;
    }
}
