#include "output/h5_detail.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>

namespace percorsi::out::detail {

namespace {

std::recursive_mutex& h5_mutex() {
  static std::recursive_mutex m;
  return m;
}

// A variable-length UTF-8 string type, as written for every string of the layout.
Handle vlen_string_type() {
  Handle t(check(H5Tcopy(H5T_C_S1), "string type"));
  check_status(H5Tset_size(t, H5T_VARIABLE), "string type");
  check_status(H5Tset_cset(t, H5T_CSET_UTF8), "string type");
  return t;
}

std::string dataset_desc(const std::string& path) { return "dataset " + path; }

hsize_t product(const std::vector<hsize_t>& dims) {
  hsize_t n = 1;
  for (hsize_t d : dims) n *= d;
  return n;
}

void write_attr(hid_t obj, const std::string& obj_path, const std::string& name, hid_t file_type,
                hid_t mem_type, const void* value) {
  const std::string what = attr_desc(obj_path, name);
  Handle space(check(H5Screate(H5S_SCALAR), what));
  Handle attr(check(H5Acreate2(obj, name.c_str(), file_type, space, H5P_DEFAULT, H5P_DEFAULT), what));
  check_status(H5Awrite(attr, mem_type, value), what);
}

// Opens an attribute, checks it is a single value of one of `classes`; returns it and its type.
std::pair<Handle, Handle> open_attr(hid_t obj, const std::string& obj_path, const std::string& name,
                                    std::initializer_list<H5T_class_t> classes, const char* expected) {
  const std::string what = attr_desc(obj_path, name);
  if (H5Aexists(obj, name.c_str()) <= 0) throw H5Failure(what + ": does not exist");
  Handle attr(check(H5Aopen(obj, name.c_str(), H5P_DEFAULT), what));
  Handle type(check(H5Aget_type(attr), what));
  if (std::find(classes.begin(), classes.end(), H5Tget_class(type)) == classes.end())
    throw H5Failure(what + ": expected " + expected + ", found " + type_name(type));
  Handle space(check(H5Aget_space(attr), what));
  if (H5Sget_simple_extent_npoints(space) != 1) throw H5Failure(what + ": expected a single value");
  return {std::move(attr), std::move(type)};
}

// Opens a dataset and checks its type class; returns dataset and element count.
Handle open_typed(hid_t file, const std::string& path, H5T_class_t cls, const char* expected,
                  std::vector<hsize_t>& dims) {
  Handle d = open_dataset(file, path);
  Handle type(check(H5Dget_type(d), dataset_desc(path)));
  if (H5Tget_class(type) != cls)
    throw H5Failure(dataset_desc(path) + ": expected " + expected + ", found " + type_name(type));
  dims = dataset_dims(d, path);
  return d;
}

}  // namespace

// HDF5 closes whatever is still open at exit (H5_term_library, from atexit). After a failed write
// (a full disk) a file that could not be closed is left half-closed, and that clean-up crashes
// inside HDF5 (a segfault after the right error message). Every file is closed, or abandoned and
// removed, by the code that opened it: the exit clean-up is turned off, before HDF5 starts.
const bool kNoExitCleanup = H5dont_atexit() >= 0;

Session::Session() : lock_(h5_mutex()) {
  (void)kNoExitCleanup;
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  // HDF5 keeps freed internal blocks on free lists for reuse, up to about 37 MiB by default;
  // runs and merges of thousands of tasks cycle through millions of them. Smaller limits keep
  // the memory of such runs small and flat (set once, under the lock).
  static const bool limited = H5set_free_list_limits(1 << 20, 1 << 16, 1 << 20, 1 << 16, 2 << 20, 1 << 18) >= 0;
  (void)limited;
}

std::string h5_reason() {
  // Walk upward: the first entry is the most specific (where the error was detected).
  std::vector<std::string> msgs;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD,
           [](unsigned, const H5E_error2_t* e, void* data) -> herr_t {
             if (!e->desc || !*e->desc) return 0;
             std::string d = e->desc;  // some descriptions span lines: keep messages on one
             std::replace(d.begin(), d.end(), '\n', ' ');
             // "file write failed: time = ..., error message = 'No space left on device', buf = ...":
             // the system's reason is what a user needs.
             const auto m = d.find("error message = '");
             if (m != std::string::npos) {
               const auto from = m + 17, to = d.find('\'', from);
               d = d.substr(0, d.find(':')) + ": " + d.substr(from, to == std::string::npos ? to : to - from);
             }
             static_cast<std::vector<std::string>*>(data)->push_back(d);
             return 0;
           },
           &msgs);
  if (msgs.empty()) return "unknown HDF5 error";
  if (msgs.size() == 1 || msgs.front() == msgs.back()) return msgs.front();
  return msgs.back() + " (" + msgs.front() + ")";  // "<what the API failed to do> (<cause>)"
}

hid_t check(hid_t id, const std::string& what) {
  if (id < 0) throw H5Failure(what + ": " + h5_reason());
  return id;
}

void check_status(herr_t status, const std::string& what) {
  if (status < 0) throw H5Failure(what + ": " + h5_reason());
}

std::string join(const std::string& parent, const std::string& name) {
  return parent == "/" ? "/" + name : parent + "/" + name;
}

std::string attr_desc(const std::string& obj_path, const std::string& name) {
  return "attribute " + obj_path + "@" + name;
}

std::string num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

std::string shape(const std::vector<hsize_t>& dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i) s += (i ? ", " : "") + std::to_string(dims[i]);
  return s + "]";
}

std::string type_name(hid_t type) {
  const size_t bits = H5Tget_size(type) * 8;
  switch (H5Tget_class(type)) {
    case H5T_INTEGER: return (H5Tget_sign(type) == H5T_SGN_NONE ? "uint" : "int") + std::to_string(bits);
    case H5T_FLOAT: return "float" + std::to_string(bits);
    case H5T_STRING: return "string";
    case H5T_COMPOUND: return "compound";
    case H5T_ENUM: return "enum";
    case H5T_ARRAY: return "array";
    case H5T_VLEN: return "vlen";
    case H5T_REFERENCE: return "reference";
    case H5T_OPAQUE: return "opaque";
    case H5T_BITFIELD: return "bitfield";
    default: return "unknown";
  }
}

Handle file_access() {
  Handle fapl(check(H5Pcreate(H5P_FILE_ACCESS), "file access properties"));
  H5AC_cache_config_t mdc;
  mdc.version = H5AC__CURR_CACHE_CONFIG_VERSION;
  check_status(H5Pget_mdc_config(fapl, &mdc), "metadata cache configuration");
  mdc.set_initial_size = true;
  mdc.initial_size = std::size_t(1) << 20;
  mdc.min_size = std::size_t(1) << 20;
  mdc.max_size = std::size_t(1) << 20;
  check_status(H5Pset_mdc_config(fapl, &mdc), "metadata cache configuration");
  return fapl;
}

// ---------------------------------------------------------------- writing

Handle create_group(hid_t loc, const std::string& path) {
  const std::string what = "group " + path;
  Handle gcpl(check(H5Pcreate(H5P_GROUP_CREATE), what));
  check_status(H5Pset_link_creation_order(gcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED), what);
  return Handle(check(H5Gcreate2(loc, path.c_str(), H5P_DEFAULT, gcpl, H5P_DEFAULT), what));
}

void write_attr_string(hid_t obj, const std::string& obj_path, const std::string& name, const std::string& v) {
  Handle t = vlen_string_type();
  const char* p = v.c_str();
  write_attr(obj, obj_path, name, t, t, &p);
}
void write_attr_int32(hid_t obj, const std::string& obj_path, const std::string& name, std::int32_t v) {
  write_attr(obj, obj_path, name, H5T_STD_I32LE, H5T_NATIVE_INT32, &v);
}
void write_attr_uint64(hid_t obj, const std::string& obj_path, const std::string& name, std::uint64_t v) {
  write_attr(obj, obj_path, name, H5T_STD_U64LE, H5T_NATIVE_UINT64, &v);
}
void write_attr_float64(hid_t obj, const std::string& obj_path, const std::string& name, double v) {
  write_attr(obj, obj_path, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &v);
}

void write_dataset(hid_t file, const std::string& path, hid_t file_type, hid_t mem_type,
                   const std::vector<hsize_t>& dims, const void* data, bool compress) {
  const std::string what = dataset_desc(path);
  Handle space(check(dims.empty() ? H5Screate(H5S_SCALAR)
                                  : H5Screate_simple(int(dims.size()), dims.data(), nullptr),
                     what));
  Handle dcpl(check(H5Pcreate(H5P_DATASET_CREATE), what));
  const hsize_t n = product(dims);
  if (compress && !dims.empty() && n > 0 && n * H5Tget_size(file_type) > 4096) {
    // Chunks of at most 64 Ki elements, filled from the fastest-varying dimension.
    std::vector<hsize_t> chunk(dims.size());
    hsize_t budget = 65536;
    for (size_t i = dims.size(); i-- > 0;) {
      chunk[i] = std::max<hsize_t>(1, std::min(dims[i], budget));
      budget = std::max<hsize_t>(1, budget / chunk[i]);
    }
    check_status(H5Pset_chunk(dcpl, int(chunk.size()), chunk.data()), what);
    check_status(H5Pset_shuffle(dcpl), what);
    if (H5Zfilter_avail(H5Z_FILTER_DEFLATE) > 0) check_status(H5Pset_deflate(dcpl, 1), what);
  }
  Handle d(check(H5Dcreate2(file, path.c_str(), file_type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT), what));
  if (n > 0) check_status(H5Dwrite(d, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), what);
  // Closed here, and checked: a chunked dataset's data leave the chunk cache when it closes, so a
  // full disk may show only now.
  check_status(H5Dclose(d.release()), what);
}

void write_strings(hid_t file, const std::string& path, const std::vector<std::string>& v) {
  std::vector<const char*> ptrs;
  for (const auto& s : v) ptrs.push_back(s.c_str());
  Handle t = vlen_string_type();
  write_dataset(file, path, t, t, {hsize_t(v.size())}, ptrs.data());
}

// ---------------------------------------------------------------- reading

bool exists(hid_t file, const std::string& path) {
  if (path == "/") return true;
  // Fast path: one call answers for a path that is there.
  if (H5Lexists(file, path.c_str(), H5P_DEFAULT) > 0) return true;
  // H5Lexists fails (rather than answering false) when an intermediate group is missing, so
  // check each prefix in turn.
  for (size_t pos = 1; pos != std::string::npos && pos <= path.size();) {
    const size_t next = path.find('/', pos);
    const std::string prefix = path.substr(0, next);
    if (H5Lexists(file, prefix.c_str(), H5P_DEFAULT) <= 0) return false;
    pos = next == std::string::npos ? next : next + 1;
  }
  return true;
}

Handle open_group(hid_t file, const std::string& path) {
  const std::string what = "group " + path;
  if (!exists(file, path)) throw H5Failure(what + ": does not exist");
  return Handle(check(H5Gopen2(file, path.c_str(), H5P_DEFAULT), what));
}

Handle open_dataset(hid_t file, const std::string& path) {
  const std::string what = dataset_desc(path);
  if (!exists(file, path)) throw H5Failure(what + ": does not exist");
  return Handle(check(H5Dopen2(file, path.c_str(), H5P_DEFAULT), what));
}

bool has_attr(hid_t obj, const std::string& name) { return H5Aexists(obj, name.c_str()) > 0; }

std::string read_attr_string(hid_t obj, const std::string& obj_path, const std::string& name) {
  const std::string what = attr_desc(obj_path, name);
  auto [attr, type] = open_attr(obj, obj_path, name, {H5T_STRING}, "a string");
  if (H5Tis_variable_str(type) > 0) {
    Handle mem = vlen_string_type();
    char* p = nullptr;
    check_status(H5Aread(attr, mem, &p), what);
    std::string s = p ? p : "";
    if (p) H5free_memory(p);
    return s;
  }
  const size_t size = H5Tget_size(type);
  Handle mem(check(H5Tcopy(H5T_C_S1), what));
  check_status(H5Tset_size(mem, size), what);
  std::string buf(size, '\0');
  check_status(H5Aread(attr, mem, buf.data()), what);
  return buf.substr(0, buf.find('\0'));
}

std::int64_t read_attr_int(hid_t obj, const std::string& obj_path, const std::string& name) {
  auto [attr, type] = open_attr(obj, obj_path, name, {H5T_INTEGER}, "an integer");
  std::int64_t v = 0;
  check_status(H5Aread(attr, H5T_NATIVE_INT64, &v), attr_desc(obj_path, name));
  return v;
}

std::uint64_t read_attr_uint64(hid_t obj, const std::string& obj_path, const std::string& name) {
  auto [attr, type] = open_attr(obj, obj_path, name, {H5T_INTEGER}, "an integer");
  std::uint64_t v = 0;
  check_status(H5Aread(attr, H5T_NATIVE_UINT64, &v), attr_desc(obj_path, name));
  return v;
}

double read_attr_float64(hid_t obj, const std::string& obj_path, const std::string& name) {
  auto [attr, type] = open_attr(obj, obj_path, name, {H5T_FLOAT, H5T_INTEGER}, "a number");
  double v = 0;
  check_status(H5Aread(attr, H5T_NATIVE_DOUBLE, &v), attr_desc(obj_path, name));
  return v;
}

std::vector<std::string> children(hid_t file, const std::string& group_path) {
  const std::string what = "group " + group_path;
  Handle g = open_group(file, group_path);
  Handle gcpl(check(H5Gget_create_plist(g), what));
  unsigned order = 0;
  check_status(H5Pget_link_creation_order(gcpl, &order), what);
  const H5_index_t index = (order & H5P_CRT_ORDER_INDEXED) ? H5_INDEX_CRT_ORDER : H5_INDEX_NAME;
  H5G_info_t info;
  check_status(H5Gget_info(g, &info), what);
  std::vector<std::string> names;
  for (hsize_t i = 0; i < info.nlinks; ++i) {
    const ssize_t len = H5Lget_name_by_idx(g, ".", index, H5_ITER_INC, i, nullptr, 0, H5P_DEFAULT);
    check_status(herr_t(len < 0 ? -1 : 0), what);
    std::string name(size_t(len) + 1, '\0');
    check_status(herr_t(H5Lget_name_by_idx(g, ".", index, H5_ITER_INC, i, name.data(), name.size(),
                                           H5P_DEFAULT) < 0 ? -1 : 0), what);
    name.resize(size_t(len));
    names.push_back(std::move(name));
  }
  return names;
}

std::vector<hsize_t> dataset_dims(hid_t dset, const std::string& path) {
  Handle space(check(H5Dget_space(dset), dataset_desc(path)));
  const int rank = H5Sget_simple_extent_ndims(space);
  check_status(rank, dataset_desc(path));
  std::vector<hsize_t> dims(static_cast<size_t>(rank));
  if (rank > 0) check_status(H5Sget_simple_extent_dims(space, dims.data(), nullptr), dataset_desc(path));
  return dims;
}

std::vector<double> read_float64(hid_t file, const std::string& path, std::vector<hsize_t>* dims_out) {
  std::vector<hsize_t> dims;
  Handle d = open_typed(file, path, H5T_FLOAT, "float64 values", dims);
  std::vector<double> v(product(dims));
  if (!v.empty()) check_status(H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()), dataset_desc(path));
  if (dims_out) *dims_out = dims;
  return v;
}

std::vector<std::int32_t> read_int32(hid_t file, const std::string& path, std::vector<hsize_t>* dims_out) {
  std::vector<hsize_t> dims;
  Handle d = open_typed(file, path, H5T_INTEGER, "int32 values", dims);
  std::vector<std::int32_t> v(product(dims));
  if (!v.empty()) check_status(H5Dread(d, H5T_NATIVE_INT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()), dataset_desc(path));
  if (dims_out) *dims_out = dims;
  return v;
}

std::vector<std::string> read_strings(hid_t file, const std::string& path) {
  const std::string what = dataset_desc(path);
  std::vector<hsize_t> dims;
  Handle d = open_typed(file, path, H5T_STRING, "strings", dims);
  if (dims.size() != 1) throw H5Failure(what + ": expected a 1-D dataset");
  Handle type(check(H5Dget_type(d), what));
  std::vector<std::string> out;
  if (H5Tis_variable_str(type) > 0) {
    Handle mem = vlen_string_type();
    std::vector<char*> ptrs(dims[0], nullptr);
    if (!ptrs.empty()) check_status(H5Dread(d, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()), what);
    for (char* p : ptrs) {
      out.emplace_back(p ? p : "");
      if (p) H5free_memory(p);
    }
    return out;
  }
  const size_t size = H5Tget_size(type);
  Handle mem(check(H5Tcopy(H5T_C_S1), what));
  check_status(H5Tset_size(mem, size), what);
  std::string buf(size * dims[0], '\0');
  if (!buf.empty()) check_status(H5Dread(d, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data()), what);
  for (hsize_t i = 0; i < dims[0]; ++i) {
    std::string s = buf.substr(i * size, size);
    out.push_back(s.substr(0, s.find('\0')));
  }
  return out;
}

}  // namespace percorsi::out::detail
