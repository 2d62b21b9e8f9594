// A real nginx on loopback standing in for Hugging Face, for the download tests: TLS from a
// CA generated here with the openssl CLI, a "hub" server (127.0.0.1) answering the resolve
// protocol and a "CDN" server (reached as localhost, another host name) serving the bytes.
// Both log "$server_port "$request" $status "$http_authorization" "$http_range" $body_bytes_sent
// $msec" per request. A file with a `connection_cap` is redirected to a TCP relay (nginx's
// stream module, `proxy_download_rate`) in front of the CDN that caps each connection as a
// whole, across the keep-alive requests on it (`limit_rate` caps each request). nginx runs in
// the foreground as our child (its own process group) and is stopped with the object.
#pragma once

#include "studio/test/child_process.hpp"
#include "studio/test/free_port.hpp"
#include "studio/test/observe.hpp"
#include "studio/test/temp_dir.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace studio::test {

// An executable by name from the usual system directories or PATH; throws when absent.
inline std::filesystem::path find_program(const std::string& name) {
  std::string dirs = "/usr/sbin:/usr/bin:/sbin:/bin";
  if (const char* path = std::getenv("PATH")) dirs += std::string(":") + path;
  std::stringstream ss(dirs);
  for (std::string dir; std::getline(ss, dir, ':');) {
    auto p = std::filesystem::path(dir) / name;
    if (!dir.empty() && ::access(p.c_str(), X_OK) == 0) return p;
  }
  throw std::runtime_error(name + " not found (install the Debian package)");
}

// Runs a short command to completion; throws with its output when it fails.
inline std::string run_tool(const std::string& program, std::vector<std::string> args,
                            const std::filesystem::path& cwd = {}) {
  child_process p(find_program(program), process_options{std::move(args), {}, cwd});
  auto st = p.wait_exit(std::chrono::seconds(30));
  p.wait_output_end(std::chrono::seconds(5));
  if (!st || !st->exited_with(0)) throw std::runtime_error(program + " failed:\n" + p.output());
  return p.output();
}

// A file the stand-in serves: its repo path under the hub and how the hub answers.
struct hf_file {
  std::string name;                 // file name in files/ and in the repo
  std::size_t size = 0;             // random content of this size
  enum class kind { lfs, small } how = kind::lfs;
  // files, slow (1 MiB/s without Range), stall, drop, norange, capped (50 MB/s), capped20
  // (20 MB/s), busy (429 with Retry-After: 1 while set_busy(true)), down (always 503)
  std::string cdn_location = "files";
  std::string linked_etag;             // override (e.g. a wrong checksum); default: the real sha256
  // e.g. "20m": served from files/ through a relay that caps each connection at this many
  // bytes per second (nginx size units); needs libnginx-mod-stream
  std::string connection_cap;
};

class hf_nginx {
 public:
  // repo: "org/models"; every file is served under /{repo}/resolve/main/{name}.
  // /gated/... answers 401 GatedRepo without Authorization; unknown paths 404 EntryNotFound.
  explicit hf_nginx(const std::vector<hf_file>& files, const std::string& repo = "org/models") {
    auto root = dir_.path();
    ca_ = root / "ca.crt";
    make_certificates(root);
    std::filesystem::create_directories(root / "files");
    std::filesystem::create_directories(root / "tmp");
    std::mt19937_64 rng(42);
    for (const auto& f : files) {
      std::ofstream out(root / "files" / f.name, std::ios::binary);
      std::vector<std::uint64_t> block(1 << 16);
      for (std::size_t left = f.size; left > 0;) {
        for (auto& w : block) w = rng();
        auto n = std::min(left, block.size() * sizeof(std::uint64_t));
        out.write(reinterpret_cast<const char*>(block.data()), static_cast<std::streamsize>(n));
        left -= n;
      }
      out.close();
      sha_[f.name] = sha256_of(root / "files" / f.name);
    }
    for (const auto& f : files)
      if (!f.connection_cap.empty()) cap_ports_.try_emplace(f.connection_cap, 0);
    for (int attempt = 0; attempt < 3; ++attempt) {
      auto ports = free_ports(3 + cap_ports_.size());  // distinct
      hub_port_ = ports[0];
      cdn_port_ = ports[1];
      origin_port_ = ports[2];
      std::size_t next = 3;
      for (auto& [cap, port] : cap_ports_) port = ports[next++];
      std::ofstream(root / "nginx.conf") << config(files, repo);
      process_ = std::make_unique<child_process>(
          find_program("nginx"),
          process_options{{"-p", root.string(), "-c", (root / "nginx.conf").string(), "-e",
                           (root / "error.log").string(), "-g", "daemon off;"},
                          {},
                          root});
      auto all_listening = [&] {
        if (!listening(hub_port_) || !listening(cdn_port_) || !listening(origin_port_)) return false;
        for (const auto& [cap, port] : cap_ports_)
          if (!listening(port)) return false;
        return true;
      };
      bool up = poll_until(all_listening, std::chrono::seconds(10));
      if (up) return;
      process_.reset();  // most likely a port taken in between: try new ones
    }
    throw std::runtime_error("nginx did not start:\n" + slurp(root / "error.log"));
  }

  unsigned short cdn_port() const { return cdn_port_; }
  std::string endpoint() const { return "https://127.0.0.1:" + std::to_string(hub_port_); }
  const std::filesystem::path& ca_bundle() const { return ca_; }
  std::string sha256(const std::string& name) const { return sha_.at(name); }
  std::filesystem::path file(const std::string& name) const { return dir_.path() / "files" / name; }
  std::string hub_log() const { return slurp(dir_.path() / "hub.log"); }
  std::string cdn_log() const { return slurp(dir_.path() / "cdn.log"); }
  // The CDN URL of a file under a location (e.g. "files/x.gguf").
  std::string cdn_url(const std::string& path) const { return "https://localhost:" + std::to_string(cdn_port_) + "/" + path; }
  // While busy, the /busy/ location answers 429 with Retry-After: 1.
  void set_busy(bool busy) const {
    if (busy) std::ofstream(dir_.path() / "busy.flag") << "busy";
    else std::filesystem::remove(dir_.path() / "busy.flag");
  }

 private:
  static bool listening(unsigned short port) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    return ok;
  }

  static std::string sha256_of(const std::filesystem::path& p) {
    auto out = run_tool("openssl", {"dgst", "-sha256", "-r", p.string()});
    return out.substr(0, 64);
  }

  static void make_certificates(const std::filesystem::path& root) {
    auto r = [&](const char* name) { return (root / name).string(); };
    std::ofstream(root / "san.ext") << "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
                                       "keyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n";
    run_tool("openssl", {"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                         "-keyout", r("ca.key"), "-out", r("ca.crt"), "-days", "2", "-subj", "/CN=studio test CA",
                         "-addext", "basicConstraints=critical,CA:TRUE", "-addext",
                         "keyUsage=critical,keyCertSign,cRLSign"});
    run_tool("openssl", {"req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
                         r("server.key"), "-out", r("server.csr"), "-subj", "/CN=localhost"});
    run_tool("openssl", {"x509", "-req", "-in", r("server.csr"), "-CA", r("ca.crt"), "-CAkey", r("ca.key"),
                         "-CAcreateserial", "-out", r("server.crt"), "-days", "2", "-extfile", r("san.ext")});
  }

  std::string config(const std::vector<hf_file>& files, const std::string& repo) const {
    auto root = dir_.path().string();
    std::ostringstream c;
    if (!cap_ports_.empty()) {
      const std::filesystem::path module = "/usr/lib/nginx/modules/ngx_stream_module.so";
      if (!std::filesystem::exists(module))
        throw std::runtime_error(module.string() + " not found (install the Debian package libnginx-mod-stream)");
      c << "load_module " << module.string() << ";\n";
    }
    if (::geteuid() == 0) c << "user root;\n";
    c << "worker_processes 1;\npid " << root << "/nginx.pid;\nevents { worker_connections 128; }\nhttp {\n"
      << "  log_format hf '$server_port \"$request\" $status \"$http_authorization\" \"$http_range\" "
         "$body_bytes_sent $msec';\n"
      << "  client_body_temp_path " << root << "/tmp/body;\n  proxy_temp_path " << root << "/tmp/proxy;\n"
      << "  fastcgi_temp_path " << root << "/tmp/fastcgi;\n  uwsgi_temp_path " << root << "/tmp/uwsgi;\n"
      << "  scgi_temp_path " << root << "/tmp/scgi;\n"
      << "  default_type application/octet-stream;\n  ssl_certificate " << root << "/server.crt;\n"
      << "  ssl_certificate_key " << root << "/server.key;\n"
      // The first (non-Range) request of a slow/stalling location is throttled; resumes are not.
      << "  map $http_range $slow_rate { \"\" 1m; default 0; }\n"
      << "  map $http_range $stall_rate { \"\" 1; default 0; }\n"
      << "  server {\n    listen 127.0.0.1:" << hub_port_ << " ssl;\n    access_log " << root << "/hub.log hf;\n";
    for (const auto& f : files) {
      c << "    location = /" << repo << "/resolve/main/" << f.name << " {\n"
        << "      add_header X-Repo-Commit 0123456789abcdef0123456789abcdef01234567 always;\n";
      if (f.how == hf_file::kind::small) {
        c << "      alias " << root << "/files/" << f.name << ";\n    }\n";
        continue;
      }
      auto etag = f.linked_etag.empty() ? sha_.at(f.name) : f.linked_etag;
      c << "      add_header X-Linked-Etag '\"" << etag << "\"' always;\n"
        << "      add_header X-Linked-Size " << f.size << " always;\n"
        << "      add_header ETag '\"not-the-file\"' always;\n"
        << "      return 302 https://localhost:"
        << (f.connection_cap.empty() ? cdn_port_ : cap_ports_.at(f.connection_cap)) << "/"
        << (f.connection_cap.empty() ? f.cdn_location : "files") << "/" << f.name << "?X-Amz-Signature=abc;\n    }\n";
    }
    c << "    location /gated/ {\n      if ($http_authorization = \"\") {\n"
      << "        add_header X-Error-Code GatedRepo always;\n        return 401 '{\"error\":\"gated\"}';\n      }\n"
      << "      return 404;\n    }\n"
      << "    location / {\n      add_header X-Error-Code EntryNotFound always;\n"
      << "      return 404 '{\"error\":\"Entry not found\"}';\n    }\n  }\n"
      << "  server {\n    listen 127.0.0.1:" << cdn_port_ << " ssl;\n    access_log " << root << "/cdn.log hf;\n"
      << "    location /files/ { alias " << root << "/files/; }\n"
      << "    location /slow/ { alias " << root << "/files/; limit_rate $slow_rate; }\n"
      << "    location /stall/ { alias " << root << "/files/; limit_rate_after 1m; limit_rate $stall_rate; }\n"
      << "    location /norange/ { alias " << root << "/files/; max_ranges 0; }\n"
      << "    location /capped/ { alias " << root << "/files/; limit_rate 50m; }\n"
      << "    location /capped20/ { alias " << root << "/files/; limit_rate 20m; }\n"
      << "    location /busy/ {\n      alias " << root << "/files/;\n      if (-f " << root
      << "/busy.flag) {\n        add_header Retry-After 1 always;\n        return 429;\n      }\n    }\n"
      << "    location /down/ { return 503; }\n"
      // /drop/ relays an origin that goes quiet after 1 MiB (first request only): the proxy
      // read timeout then closes our connection mid-body, a genuinely dropped connection.
      << "    location /drop/ {\n      proxy_pass http://127.0.0.1:" << origin_port_ << "/;\n"
      << "      proxy_read_timeout 300ms;\n      proxy_buffering off;\n    }\n  }\n"
      << "  server {\n    listen 127.0.0.1:" << origin_port_ << ";\n    access_log off;\n"
      << "    location / { root " << root << "/files; limit_rate_after 1m; limit_rate $stall_rate; }\n  }\n}\n";
    if (!cap_ports_.empty()) {
      // TLS passes through untouched (the CDN's certificate names localhost); nginx lets a
      // connection read rate × (whole seconds since it opened + 1) bytes.
      c << "stream {\n";
      for (const auto& [cap, port] : cap_ports_)
        c << "  server {\n    listen 127.0.0.1:" << port << ";\n    proxy_pass 127.0.0.1:" << cdn_port_
          << ";\n    proxy_download_rate " << cap << ";\n    proxy_buffer_size 1m;\n  }\n";
      c << "}\n";
    }
    return c.str();
  }

  temp_dir dir_;
  std::filesystem::path ca_;
  std::map<std::string, std::string> sha_;
  unsigned short hub_port_ = 0, cdn_port_ = 0, origin_port_ = 0;
  std::map<std::string, unsigned short> cap_ports_;  // connection_cap → its relay's port
  std::unique_ptr<child_process> process_;
};

}  // namespace studio::test
