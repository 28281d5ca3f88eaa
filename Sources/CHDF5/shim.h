// Swift cannot import HDF5's macro "constants" (they expand to global ids initialised by H5open),
// so each one is exposed as a static inline function.
#include <hdf5.h>

static inline hid_t ebjr_H5P_DEFAULT(void) { return H5P_DEFAULT; }
static inline hid_t ebjr_H5S_ALL(void) { return H5S_ALL; }
static inline hid_t ebjr_H5T_NATIVE_FLOAT(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t ebjr_H5T_NATIVE_DOUBLE(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t ebjr_H5T_NATIVE_INT32(void) { return H5T_NATIVE_INT32; }
static inline hid_t ebjr_H5T_NATIVE_INT64(void) { return H5T_NATIVE_INT64; }
static inline hid_t ebjr_H5T_NATIVE_UINT8(void) { return H5T_NATIVE_UINT8; }
static inline hid_t ebjr_H5T_NATIVE_UINT64(void) { return H5T_NATIVE_UINT64; }
static inline hid_t ebjr_H5T_C_S1(void) { return H5T_C_S1; }
static inline hid_t ebjr_H5P_FILE_ACCESS(void) { return H5P_FILE_ACCESS; }
static inline hid_t ebjr_H5P_DATASET_CREATE(void) { return H5P_DATASET_CREATE; }
static inline unsigned ebjr_H5F_ACC_TRUNC(void) { return H5F_ACC_TRUNC; }
static inline unsigned ebjr_H5F_ACC_EXCL(void) { return H5F_ACC_EXCL; }
static inline unsigned ebjr_H5F_ACC_RDONLY(void) { return H5F_ACC_RDONLY; }
static inline unsigned ebjr_H5F_ACC_RDWR(void) { return H5F_ACC_RDWR; }
static inline size_t ebjr_H5T_VARIABLE(void) { return H5T_VARIABLE; }
static inline unsigned ebjr_H5F_OBJ_ALL(void) { return H5F_OBJ_ALL; }
static inline hid_t ebjr_H5E_DEFAULT(void) { return H5E_DEFAULT; }
static inline unsigned ebjr_H5F_OBJ_LOCAL(void) { return H5F_OBJ_LOCAL; }

// The address of an object's header in its file, or -1 on failure: two identifiers with the same address are the
// same object, whatever links reached them (libhdf5 1.12 replaced addresses by tokens; both are handled here).
static inline long long ebjr_object_address(hid_t id) {
#if H5_VERSION_GE(1, 12, 0)
    H5O_info2_t info;
    haddr_t address;
    if (H5Oget_info3(id, &info, H5O_INFO_BASIC) < 0) return -1;
    if (H5VLnative_token_to_addr(id, info.token, &address) < 0) return -1;
    return (long long)address;
#else
    H5O_info_t info;
    if (H5Oget_info2(id, &info, H5O_INFO_BASIC) < 0) return -1;
    return (long long)info.addr;
#endif
}
