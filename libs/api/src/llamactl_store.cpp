// llamactl_store: instance records as JSON files, written atomically.
#include "llamactl_store.hpp"

#include <spdlog/spdlog.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <fcntl.h>
#include <unistd.h>
#include <cerrno>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <system_error>

namespace studio::api {
namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

[[noreturn]] void fail(const std::string& what) {
  throw std::system_error(errno, std::generic_category(), what);
}

}  // namespace

bool valid_instance_name(std::string_view name) {
  if (name.empty() || name.size() > 64 || name == "." || name == "..") return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
              c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

json::object to_json(const llamactl_record& record) {
  return {{"name", record.name},
          {"created", record.created},
          {"options", record.options},
          {"running", record.running}};
}

llamactl_record record_from_json(const json::value& value) {
  if (!value.is_object()) throw std::invalid_argument("not a JSON object");
  const auto& o = value.get_object();
  llamactl_record r;
  const auto* name = o.if_contains("name");
  if (name == nullptr || !name->is_string() || !valid_instance_name(name->get_string()))
    throw std::invalid_argument("missing or invalid 'name'");
  r.name = std::string(name->get_string());
  const auto* created = o.if_contains("created");
  if (created == nullptr || !created->is_int64()) throw std::invalid_argument("missing or invalid 'created'");
  r.created = created->get_int64();
  const auto* options = o.if_contains("options");
  if (options == nullptr || !options->is_object())
    throw std::invalid_argument("missing or invalid 'options'");
  r.options = options->get_object();
  const auto* running = o.if_contains("running");
  if (running == nullptr || !running->is_bool()) throw std::invalid_argument("missing or invalid 'running'");
  r.running = running->get_bool();
  return r;
}

std::vector<llamactl_record> llamactl_store::load() const {
  std::vector<llamactl_record> out;
  std::error_code ec;
  if (!fs::is_directory(dir_, ec)) return out;
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    const auto& path = entry.path();
    if (path.extension() != ".json" || !entry.is_regular_file(ec)) continue;
    try {
      std::ifstream in(path, std::ios::binary);
      std::string text((std::istreambuf_iterator<char>(in)), {});
      auto record = record_from_json(json::parse(text));
      if (record.name + ".json" != path.filename().string())
        throw std::invalid_argument("name does not match the file name");
      out.push_back(std::move(record));
    } catch (const std::exception& e) {
      spdlog::warn("llamactl: skipping instance file {}: {}", path.string(), e.what());
    }
  }
  if (ec) spdlog::warn("llamactl: cannot list {}: {}", dir_.string(), ec.message());
  return out;
}

void llamactl_store::save(const llamactl_record& record) const {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) throw std::system_error(ec, "cannot create " + dir_.string());
  auto target = dir_ / (record.name + ".json");
  auto temp = dir_ / ("." + record.name + ".json.tmp");
  std::string text = json::serialize(to_json(record)) + "\n";
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) fail("cannot create " + temp.string());
  std::size_t done = 0;
  while (done < text.size()) {
    auto n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int saved = errno;
      ::close(fd);
      errno = saved;
      fail("cannot write " + temp.string());
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    int saved = errno;
    ::close(fd);
    errno = saved;
    fail("cannot sync " + temp.string());
  }
  if (::close(fd) != 0) fail("cannot close " + temp.string());
  if (::rename(temp.c_str(), target.c_str()) != 0) fail("cannot rename to " + target.string());
  int dir_fd = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
}

void llamactl_store::erase(std::string_view name) const {
  std::error_code ec;
  fs::remove(dir_ / (std::string(name) + ".json"), ec);
  if (ec) throw std::system_error(ec, "cannot remove the file of instance " + std::string(name));
}

}  // namespace studio::api
