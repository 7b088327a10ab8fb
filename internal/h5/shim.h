#ifndef BH_SHIM_H
#define BH_SHIM_H
#include <stdlib.h>
#include <string.h>
#include "hdf5.h"
void bh_silence(void);
hid_t bh_create(const char *name, hsize_t ublock, int *err);
int bh_stack_errno(void);
hid_t bh_open(const char *name, int rw);
int bh_exists(hid_t loc, const char *path);
int bh_objtype(hid_t loc, const char *path);
herr_t bh_count_cb(hid_t g, const char *name, const H5L_info_t *info, void *op);
herr_t bh_name_cb(hid_t g, const char *name, const H5L_info_t *info, void *op);
hsize_t bh_nmembers(hid_t loc, const char *path);
int bh_members(hid_t loc, const char *path, char **names, hsize_t n);
hsize_t bh_nattrs(hid_t obj);
hid_t bh_native(int kind);
hid_t bh_str_type(size_t size, int vlen, int utf8);
herr_t bh_rows_read(hid_t ds, hid_t mtype, hsize_t row0, hsize_t nrows, hsize_t ncols, void *buf);
hid_t bh_deref(hid_t loc, void *ref);
#endif
