#include "graphviz.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <tuple>

extern char** environ;

namespace rampart::cli {
namespace {

// Closes a file descriptor once.
struct Fd {
  int fd = -1;
  Fd() = default;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }
  void reset() {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
};

// SIGPIPE ignored while we write to a child that may exit early; restored after.
struct IgnoreSigpipe {
  struct sigaction old {};
  IgnoreSigpipe() {
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    sigemptyset(&ignore.sa_mask);
    sigaction(SIGPIPE, &ignore, &old);
  }
  ~IgnoreSigpipe() { sigaction(SIGPIPE, &old, nullptr); }
};

}  // namespace

Drawing draw_svg(const std::string& dot_text, std::chrono::milliseconds timeout) {
  Drawing d;
  const char* env = std::getenv("RAMPART_DOT");
  std::string program = env && *env ? env : "dot";

  int in_pipe[2], out_pipe[2], err_pipe[2];
  if (pipe2(in_pipe, O_CLOEXEC) != 0) return Drawing{false, {}, "cannot create a pipe"};
  Fd in_read{}, in_write{}, out_read{}, out_write{}, err_read{}, err_write{};
  in_read.fd = in_pipe[0];
  in_write.fd = in_pipe[1];
  if (pipe2(out_pipe, O_CLOEXEC) != 0) return Drawing{false, {}, "cannot create a pipe"};
  out_read.fd = out_pipe[0];
  out_write.fd = out_pipe[1];
  if (pipe2(err_pipe, O_CLOEXEC) != 0) return Drawing{false, {}, "cannot create a pipe"};
  err_read.fd = err_pipe[0];
  err_write.fd = err_pipe[1];

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in_read.fd, 0);
  posix_spawn_file_actions_adddup2(&actions, out_write.fd, 1);
  posix_spawn_file_actions_adddup2(&actions, err_write.fd, 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF);

  std::string arg0 = program, arg1 = "-Tsvg";
  char* argv[] = {arg0.data(), arg1.data(), nullptr};
  pid_t pid = -1;
  int rc = posix_spawnp(&pid, program.c_str(), &actions, &attr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    d.missing = rc == ENOENT;
    d.error = rc == ENOENT ? fmt::format("`{}` is not installed (Graphviz)", program)
                           : fmt::format("cannot run `{}`: {}", program, std::strerror(rc));
    return d;
  }
  in_read.reset();
  out_write.reset();
  err_write.reset();

  IgnoreSigpipe ignore_sigpipe;
  fcntl(in_write.fd, F_SETFL, fcntl(in_write.fd, F_GETFL) | O_NONBLOCK);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  size_t written = 0;
  std::string err;
  bool timed_out = false;
  if (dot_text.empty()) in_write.reset();
  while (out_read.fd >= 0 || err_read.fd >= 0) {
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd fds[3];
    nfds_t n = 0;
    int in_slot = -1, out_slot = -1, err_slot = -1;
    if (in_write.fd >= 0) {
      in_slot = int(n);
      fds[n++] = pollfd{in_write.fd, POLLOUT, 0};
    }
    if (out_read.fd >= 0) {
      out_slot = int(n);
      fds[n++] = pollfd{out_read.fd, POLLIN, 0};
    }
    if (err_read.fd >= 0) {
      err_slot = int(n);
      fds[n++] = pollfd{err_read.fd, POLLIN, 0};
    }
    int ready = ::poll(fds, n, int(left.count()));
    if (ready < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (in_slot >= 0 && fds[in_slot].revents) {
      ssize_t k = ::write(in_write.fd, dot_text.data() + written, dot_text.size() - written);
      if (k > 0) written += size_t(k);
      if ((k < 0 && errno != EAGAIN && errno != EINTR) || written == dot_text.size()) in_write.reset();
    }
    char buffer[65536];
    for (auto [slot, fd, sink] :
         {std::tuple{out_slot, &out_read, &d.svg}, std::tuple{err_slot, &err_read, &err}}) {
      if (slot < 0 || !fds[slot].revents) continue;
      ssize_t k = ::read(fd->fd, buffer, sizeof buffer);
      if (k > 0) {
        sink->append(buffer, size_t(k));
      } else if (k == 0 || (errno != EAGAIN && errno != EINTR)) {
        fd->reset();
      }
    }
  }
  if (timed_out) ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) {
    d.error = fmt::format("`{}` did not finish in time", program);
    d.timed_out = true;
    d.svg.clear();
    return d;
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    while (!err.empty() && (err.back() == '\n' || err.back() == '\r')) err.pop_back();
    d.error = fmt::format("`{}` failed{}", program, err.empty() ? "" : ": " + err.substr(0, 300));
    d.svg.clear();
    return d;
  }
  d.ok = true;
  return d;
}

}  // namespace rampart::cli
