// Internal to output/: thin RAII and error-handling helpers over the HDF5 C API, shared by
// the Recorder, the Reader and the dictionary check. Not installed, not for sim/ or viz/.
//
// Conventions: helpers throw detail::H5Failure("<kind> <object path>: <reason>"); the public
// entry points catch it and prefix the file name (Reader: ReadError; Recorder:
// std::runtime_error). Every public entry point holds detail::Session, which serializes all
// HDF5 use in the process (safe whether or not libhdf5 is built thread-safe) and turns off
// HDF5's automatic error-stack printing for the calling thread.
#pragma once

#include <hdf5.h>

#include <cstdint>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

namespace percorsi::out::detail {

class H5Failure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Process-wide lock over HDF5 calls + error printing off. Recursive: entry points nest.
class Session {
 public:
  Session();
 private:
  std::lock_guard<std::recursive_mutex> lock_;
};

// Owns one HDF5 identifier of any kind (file, group, dataset, type, space, attribute, plist).
class Handle {
 public:
  Handle() = default;
  explicit Handle(hid_t id) : id_(id) {}
  ~Handle() { reset(); }
  Handle(Handle&& o) noexcept : id_(o.id_) { o.id_ = -1; }
  Handle& operator=(Handle&& o) noexcept {
    if (this != &o) { reset(); id_ = o.id_; o.id_ = -1; }
    return *this;
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  operator hid_t() const { return id_; }
  bool valid() const { return id_ >= 0; }
  void reset() { if (id_ >= 0) H5Idec_ref(id_); id_ = -1; }
  hid_t release() { hid_t id = id_; id_ = -1; return id; }
 private:
  hid_t id_ = -1;
};

// The most specific message on the current thread's HDF5 error stack ("unknown error" if none).
std::string h5_reason();
// Throws H5Failure(what + ": " + h5_reason()) when id/status is negative; returns id.
hid_t check(hid_t id, const std::string& what);
void check_status(herr_t status, const std::string& what);

// "/a/b" + "c" -> "/a/b/c"; "/" + "c" -> "/c".
std::string join(const std::string& parent, const std::string& name);
// "dataset /x", "group /x", "attribute /x@name": how errors name an object.
std::string attr_desc(const std::string& obj_path, const std::string& name);

// How messages write a number ("%.6g") and a dataset's shape ("[3, 5]").
std::string num(double v);
std::string shape(const std::vector<hsize_t>& dims);

// Type names used by the dictionary: int32, uint64, float64, string, ... (see type_name()).
std::string type_name(hid_t type);

// File access properties for every file the layout code opens or creates: a metadata cache
// of at most 1 MiB (HDF5's default grows to 32 MiB while thousands of objects are created or
// read), so that runs and merges of many tasks keep a small, bounded memory.
Handle file_access();

// ---- writing ----
Handle create_group(hid_t loc, const std::string& path);  // tracks link creation order
void write_attr_string(hid_t obj, const std::string& obj_path, const std::string& name, const std::string& v);
void write_attr_int32(hid_t obj, const std::string& obj_path, const std::string& name, std::int32_t v);
void write_attr_uint64(hid_t obj, const std::string& obj_path, const std::string& name, std::uint64_t v);
void write_attr_float64(hid_t obj, const std::string& obj_path, const std::string& name, double v);
// Dataset of `dims` (empty dims = scalar) from `data`; chunked + shuffle + gzip(1) when large
// and `compress` (files read once and removed, like a run's task files, are written plain).
// Written and closed, every step checked (H5Failure).
void write_dataset(hid_t file, const std::string& path, hid_t file_type, hid_t mem_type,
                   const std::vector<hsize_t>& dims, const void* data, bool compress = true);
void write_strings(hid_t file, const std::string& path, const std::vector<std::string>& v);

// ---- reading (all take absolute paths inside `file`) ----
// Opens a file read-only; throws ReadError "cannot open '<path>': no such file" or
// "'<path>' is not a readable HDF5 file (<reason>)". Defined in reader.cpp.
Handle open_readonly(const std::string& path);
bool exists(hid_t file, const std::string& path);  // every component exists
Handle open_group(hid_t file, const std::string& path);
Handle open_dataset(hid_t file, const std::string& path);
bool has_attr(hid_t obj, const std::string& name);
std::string read_attr_string(hid_t obj, const std::string& obj_path, const std::string& name);
std::int64_t read_attr_int(hid_t obj, const std::string& obj_path, const std::string& name);
std::uint64_t read_attr_uint64(hid_t obj, const std::string& obj_path, const std::string& name);
double read_attr_float64(hid_t obj, const std::string& obj_path, const std::string& name);
// Child link names of a group: creation order where the group tracks it, else name order.
std::vector<std::string> children(hid_t file, const std::string& group_path);
std::vector<hsize_t> dataset_dims(hid_t dset, const std::string& path);
std::vector<double> read_float64(hid_t file, const std::string& path, std::vector<hsize_t>* dims = nullptr);
std::vector<std::int32_t> read_int32(hid_t file, const std::string& path, std::vector<hsize_t>* dims = nullptr);
std::vector<std::string> read_strings(hid_t file, const std::string& path);

}  // namespace percorsi::out::detail
