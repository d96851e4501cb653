// See highest_serial.h.
#include "agent/highest_serial.h"

#include <sys/stat.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include "lib/atomic_file.h"

namespace drift {

bool read_highest_serial(const std::string& state_dir, uint64_t* serial, std::string* err) {
  *serial = 0;
  const std::string path = state_dir + "/" + kHighestSerialFile;
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0 && errno == ENOENT) return true;
  std::string text;
  if (!read_whole_file(path, &text, err, 64)) return false;
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *serial);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    *err = path + ": not a serial number (remove the file only if you mean to allow any older baseline)";
    return false;
  }
  return true;
}

bool record_highest_serial(const std::string& state_dir, uint64_t serial, std::string* err) {
  uint64_t floor = 0;
  if (!read_highest_serial(state_dir, &floor, err)) return false;
  if (serial <= floor) return true;
  ::mkdir(state_dir.c_str(), 0700);
  return write_file_atomically(state_dir + "/" + kHighestSerialFile, std::to_string(serial) + "\n", 0600, err);
}

}  // namespace drift
