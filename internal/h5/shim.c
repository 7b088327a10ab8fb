// C helpers for package h5; see shim.go.
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include "hdf5.h"

void bh_silence(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }

static herr_t bh_errno_cb(unsigned n, const H5E_error2_t *e, void *data) {
  int *out = (int*)data;
  const char *p = e->desc ? strstr(e->desc, "errno = ") : NULL;
  if (p && *out == 0) *out = atoi(p + 8);
  return 0;
}

// bh_stack_errno returns the first "errno = N" recorded on the current
// thread's HDF5 error stack (the sec2 driver records the failing call's
// errno there), or 0.
int bh_stack_errno(void) {
  int e = 0;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, bh_errno_cb, &e);
  return e;
}

// bh_create creates a file; on failure *err is the errno of the failing
// system call (0 if none), taken from the HDF5 error stack or errno.
hid_t bh_create(const char *name, hsize_t ublock, int *err) {
  *err = 0;
  hid_t fcpl = H5Pcreate(H5P_FILE_CREATE);
  if (fcpl < 0) return -1;
  if (ublock > 0 && H5Pset_userblock(fcpl, ublock) < 0) { H5Pclose(fcpl); return -1; }
  errno = 0;
  hid_t f = H5Fcreate(name, H5F_ACC_TRUNC, fcpl, H5P_DEFAULT);
  if (f < 0) {
    // Read the stack before any other API call clears it.
    int saved = errno;
    *err = bh_stack_errno();
    if (*err == 0) *err = saved;
  }
  H5Pclose(fcpl);
  return f;
}

hid_t bh_open(const char *name, int rw) {
  return H5Fopen(name, rw ? H5F_ACC_RDWR : H5F_ACC_RDONLY, H5P_DEFAULT);
}

// link existence checked component by component, as H5Lexists requires.
int bh_exists(hid_t loc, const char *path) {
  size_t n = strlen(path);
  char *buf = malloc(n + 1);
  if (!buf) return -1;
  memcpy(buf, path, n + 1);
  int ok = 1;
  for (size_t i = 1; i <= n && ok; i++) {
    if (buf[i] == '/' || buf[i] == 0) {
      char c = buf[i];
      buf[i] = 0;
      if (i > 1 || buf[0] != '/') {
        htri_t r = H5Lexists(loc, buf, H5P_DEFAULT);
        if (r <= 0) ok = 0;
        else if (H5Oexists_by_name(loc, buf, H5P_DEFAULT) <= 0) ok = 0;
      }
      buf[i] = c;
    }
  }
  free(buf);
  return ok;
}

int bh_objtype(hid_t loc, const char *path) {
  H5O_info_t info;
  if (H5Oget_info_by_name(loc, path, &info, H5P_DEFAULT) < 0) return -1;
  return (int)info.type;
}

herr_t bh_count_cb(hid_t g, const char *name, const H5L_info_t *info, void *op) {
  (*(hsize_t*)op)++;
  return 0;
}

typedef struct { char **names; hsize_t i; hsize_t n; } bh_names_t;

herr_t bh_name_cb(hid_t g, const char *name, const H5L_info_t *info, void *op) {
  bh_names_t *d = (bh_names_t*)op;
  if (d->i >= d->n) return 1;
  d->names[d->i++] = strdup(name);
  return 0;
}

hsize_t bh_nmembers(hid_t loc, const char *path) {
  hsize_t n = 0;
  if (H5Literate_by_name(loc, path, H5_INDEX_NAME, H5_ITER_INC, NULL, bh_count_cb, &n, H5P_DEFAULT) < 0) return (hsize_t)-1;
  return n;
}

int bh_members(hid_t loc, const char *path, char **names, hsize_t n) {
  bh_names_t d = {names, 0, n};
  if (H5Literate_by_name(loc, path, H5_INDEX_NAME, H5_ITER_INC, NULL, bh_name_cb, &d, H5P_DEFAULT) < 0) return -1;
  return (int)d.i;
}

hsize_t bh_nattrs(hid_t obj) {
  H5O_info_t info;
  if (H5Oget_info(obj, &info) < 0) return (hsize_t)-1;
  return info.num_attrs;
}

hid_t bh_native(int kind) {
  switch (kind) {
  case 0: return H5T_NATIVE_DOUBLE;
  case 1: return H5T_NATIVE_FLOAT;
  case 2: return H5T_NATIVE_INT8;
  case 3: return H5T_NATIVE_INT16;
  case 4: return H5T_NATIVE_INT32;
  case 5: return H5T_NATIVE_INT64;
  case 6: return H5T_NATIVE_UINT8;
  case 7: return H5T_NATIVE_UINT16;
  case 8: return H5T_NATIVE_UINT32;
  case 9: return H5T_NATIVE_UINT64;
  case 10: return H5T_STD_REF_OBJ;
  }
  return -1;
}

hid_t bh_str_type(size_t size, int vlen, int utf8) {
  hid_t t = H5Tcopy(H5T_C_S1);
  if (t < 0) return -1;
  if (vlen) H5Tset_size(t, H5T_VARIABLE); else H5Tset_size(t, size > 0 ? size : 1);
  if (!vlen) H5Tset_strpad(t, H5T_STR_NULLPAD);
  H5Tset_cset(t, utf8 ? H5T_CSET_UTF8 : H5T_CSET_ASCII);
  return t;
}

herr_t bh_rows_read(hid_t ds, hid_t mtype, hsize_t row0, hsize_t nrows, hsize_t ncols, void *buf) {
  hid_t fs = H5Dget_space(ds);
  if (fs < 0) return -1;
  hsize_t start[2] = {row0, 0}, count[2] = {nrows, ncols};
  herr_t rc = H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL);
  hid_t ms = H5Screate_simple(2, count, NULL);
  if (rc >= 0 && ms >= 0) rc = H5Dread(ds, mtype, ms, fs, H5P_DEFAULT, buf); else rc = -1;
  if (ms >= 0) H5Sclose(ms);
  H5Sclose(fs);
  return rc;
}

hid_t bh_deref(hid_t loc, void *ref) {
  return H5Rdereference2(loc, H5P_DEFAULT, H5R_OBJECT, ref);
}
