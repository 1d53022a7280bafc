// ember.distributed._mpi: the MPI transport behind ember.distributed, built only where CMake finds
// MPI. It knows nothing of ember's tensors: Python passes data pointers, element counts and dtype
// names, and keeps the tensors alive until the work completes.
//
// Note [One MPI thread]: every MPI call after MPI_Init_thread happens on one worker thread
// (MPI_THREAD_SERIALIZED), which starts operations with MPI's nonblocking calls and drives them
// with MPI_Test. So Python never waits inside MPI while holding the GIL, async work progresses while
// Python computes (DDP's buckets during backward), and every wait has a deadline: a rank that died
// or never calls the collective makes the others fail with a timeout instead of hanging.
//
// Note [Collectives in order]: ranks must start collectives on a communicator in the same order,
// so the worker runs one collective at a time, in submission order. Each first all-reduces a few
// integers describing it (kind, dtype, element count, root, ...) as max(v) and max(-v): where
// min != max the ranks called different things, and every rank raises the same clear error
// instead of corrupting memory or hanging. Point-to-point operations have no order to keep and
// run concurrently with the collective.
#include <mpi.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <chrono>
#include <climits>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace py = pybind11;
using Clock = std::chrono::steady_clock;

namespace {

std::string mpi_error_string(int code) {
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(code, text, &length);
  return std::string(text, length);
}

MPI_Datatype mpi_datatype(const std::string& dtype) {
  if (dtype == "float32") return MPI_FLOAT;
  if (dtype == "float64") return MPI_DOUBLE;
  if (dtype == "int32") return MPI_INT32_T;
  if (dtype == "int64") return MPI_INT64_T;
  if (dtype == "uint8") return MPI_UINT8_T;
  if (dtype == "bool") return MPI_C_BOOL;
  throw py::type_error("ember.distributed: unsupported dtype " + dtype);
}

// Bool tensors reduce logically (sum/max = or, product/min = and), like PyTorch's backends.
MPI_Op mpi_op(const std::string& op, const std::string& dtype) {
  const bool logical = dtype == "bool";
  if (op == "sum") return logical ? MPI_LOR : MPI_SUM;
  if (op == "product") return logical ? MPI_LAND : MPI_PROD;
  if (op == "min") return logical ? MPI_LAND : MPI_MIN;
  if (op == "max") return logical ? MPI_LOR : MPI_MAX;
  if (op == "band") return logical ? MPI_LAND : MPI_BAND;
  if (op == "bor") return logical ? MPI_LOR : MPI_BOR;
  if (op == "bxor") return logical ? MPI_LXOR : MPI_BXOR;
  throw py::value_error("ember.distributed: unsupported reduce op " + op);
}

int checked_count(int64_t count, const std::string& name) {
  if (count < 0 || count > INT_MAX)
    throw py::value_error("ember.distributed." + name + ": " + std::to_string(count) +
                          " elements is more than MPI's int counts can address");
  return static_cast<int>(count);
}

void* as_pointer(uintptr_t address) { return reinterpret_cast<void*>(address); }

/// One operation on the worker: optionally a metadata check, then the operation itself.
struct Job {
  std::string name;                 // the ember.distributed function, for messages
  std::string description;          // what this rank passed, for messages
  std::vector<int64_t> meta;        // checked equal across ranks before start (collectives only)
  std::vector<std::string> meta_names;
  std::function<int(MPI_Request*)> start;  // starts the operation; returns an MPI error code
  bool collective = true;
  MPI_Comm comm = MPI_COMM_NULL;
  double timeout_s = 1800;
  int64_t expected_count = -1;      // receives: the element count the message must have
  MPI_Datatype datatype = MPI_BYTE;

  // Worker-side progress (touched by the worker only, until finished).
  enum class Stage { Queued, Checking, Running } stage = Stage::Queued;
  std::vector<int64_t> meta_buffer;
  MPI_Request request = MPI_REQUEST_NULL;
  Clock::time_point deadline;

  // Completion, read by waiters under mutex.
  std::mutex mutex;
  std::condition_variable finished_cv;
  bool finished = false;
  std::string error;
  int source = -1;                  // receives: the rank the message came from
};

/// The worker thread of Note [One MPI thread] and its queues.
class Engine {
 public:
  static Engine& get() {
    static Engine* engine = new Engine();  // never destroyed: finalize() stops the thread
    return *engine;
  }

  void start_thread() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (thread_.joinable()) return;
    stopping_ = false;
    thread_ = std::thread([this] { loop(); });
  }

  void stop_thread() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

  std::string broken() {
    std::lock_guard<std::mutex> lock(mutex_);
    return broken_;
  }

  void submit(const std::shared_ptr<Job>& job) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!broken_.empty()) {
        finish(job, "ember.distributed." + job->name + ": the process group is unusable: " + broken_);
        return;
      }
      if (!thread_.joinable()) {
        finish(job, "ember.distributed." + job->name + ": the process group was destroyed");
        return;
      }
      (job->collective ? collectives_ : point_to_point_).push_back(job);
    }
    wake_.notify_all();
  }

  /// Runs fn on the worker and waits for it (for the few blocking MPI calls, like Comm_split).
  void run_blocking(const std::function<void()>& fn) {
    auto job = std::make_shared<Job>();
    job->name = "run";
    std::string error;
    job->start = [&](MPI_Request*) {
      try {
        fn();
      } catch (const std::exception& e) {
        error = e.what();
      }
      return MPI_SUCCESS;
    };
    submit(job);
    wait(job, -1);
    if (!error.empty()) throw std::runtime_error(error);
  }

  static void finish(const std::shared_ptr<Job>& job, const std::string& error) {
    {
      std::lock_guard<std::mutex> lock(job->mutex);
      job->finished = true;
      job->error = error;
    }
    job->finished_cv.notify_all();
  }

  /// Waits (without the GIL) until job finishes or timeout_s passes; false on timeout.
  static bool wait(const std::shared_ptr<Job>& job, double timeout_s) {
    std::unique_lock<std::mutex> lock(job->mutex);
    auto done = [&] { return job->finished; };
    if (timeout_s < 0) {
      job->finished_cv.wait(lock, done);
      return true;
    }
    return job->finished_cv.wait_for(lock, std::chrono::duration<double>(timeout_s), done);
  }

 private:
  void loop() {
    std::shared_ptr<Job> collective;                 // the one running (Note [Collectives in order])
    std::vector<std::shared_ptr<Job>> in_flight;     // point-to-point operations started
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(mutex_);
        if (!collective && in_flight.empty() && collectives_.empty() && point_to_point_.empty()) {
          if (stopping_) return;
          wake_.wait(lock, [&] { return stopping_ || !collectives_.empty() || !point_to_point_.empty(); });
          if (collectives_.empty() && point_to_point_.empty()) return;
        }
        if (!collective && !collectives_.empty()) {
          collective = collectives_.front();
          collectives_.pop_front();
        }
        while (!point_to_point_.empty()) {
          in_flight.push_back(point_to_point_.front());
          point_to_point_.pop_front();
        }
      }
      bool progressed = false;
      if (collective && step(*collective, progressed)) {
        finish_job(collective);
        collective.reset();
      }
      for (size_t i = 0; i < in_flight.size();) {
        if (step(*in_flight[i], progressed)) {
          finish_job(in_flight[i]);
          in_flight.erase(in_flight.begin() + i);
        } else {
          ++i;
        }
      }
      std::string timed_out = expired(collective, in_flight);
      if (!timed_out.empty()) {
        fail_everything(timed_out, collective, in_flight);
        return;
      }
      // Nothing moved: let the threads that compute have the core (ranks oversubscribe small
      // machines), but keep polling: MPI moves a large message in fragments only while it is
      // being tested, so sleeping here would stall every fragment (4 MB ran 60x slower).
      if (!progressed) std::this_thread::yield();
    }
  }

  // Advances job by one stage where possible; true once it has finished (job.error says how).
  static bool step(Job& job, bool& progressed) {
    if (job.stage == Job::Stage::Queued) {
      progressed = true;
      job.deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                        std::chrono::duration<double>(job.timeout_s));
      if (job.collective && !job.meta.empty()) {
        const size_t k = job.meta.size();
        job.meta_buffer.resize(2 * k);
        for (size_t i = 0; i < k; ++i) {
          job.meta_buffer[i] = job.meta[i];
          job.meta_buffer[k + i] = -job.meta[i];
        }
        int rc = MPI_Iallreduce(MPI_IN_PLACE, job.meta_buffer.data(), static_cast<int>(2 * k), MPI_INT64_T,
                                MPI_MAX, job.comm, &job.request);
        if (rc != MPI_SUCCESS) return fail(job, mpi_error_string(rc));
        job.stage = Job::Stage::Checking;
        return false;
      }
      return begin(job);
    }
    int flag = 0;
    MPI_Status status;
    int rc = MPI_Test(&job.request, &flag, &status);
    if (rc != MPI_SUCCESS) return fail(job, mpi_error_string(rc == MPI_ERR_IN_STATUS ? status.MPI_ERROR : rc));
    if (!flag) return false;
    progressed = true;
    if (job.stage == Job::Stage::Checking) {
      std::string mismatch = describe_mismatch(job);
      if (!mismatch.empty()) return fail(job, mismatch);
      return begin(job);
    }
    if (job.expected_count >= 0) {
      if (status.MPI_ERROR != MPI_SUCCESS && status.MPI_ERROR != MPI_ERR_PENDING)
        return fail(job, mpi_error_string(status.MPI_ERROR));
      int count = 0;
      MPI_Get_count(&status, job.datatype, &count);
      job.source = status.MPI_SOURCE;
      if (count != job.expected_count) {
        return fail(job, "the message from rank " + std::to_string(status.MPI_SOURCE) + " has " +
                             std::to_string(count) + " elements but the tensor has " +
                             std::to_string(job.expected_count) + " (" + job.description + ")");
      }
    }
    return true;
  }

  static bool begin(Job& job) {
    job.stage = Job::Stage::Running;
    int rc = job.start(&job.request);
    if (rc != MPI_SUCCESS) return fail(job, mpi_error_string(rc));
    return job.request == MPI_REQUEST_NULL;  // nothing to wait for (blocking helpers)
  }

  static bool fail(Job& job, const std::string& message) {
    job.error = message;
    job.request = MPI_REQUEST_NULL;
    return true;
  }

  static std::string describe_mismatch(const Job& job) {
    const size_t k = job.meta.size();
    for (size_t i = 0; i < k; ++i) {
      int64_t high = job.meta_buffer[i], low = -job.meta_buffer[k + i];
      if (high != low) {
        std::ostringstream out;
        out << "the ranks disagree on the " << job.meta_names[i] << " (this rank: " << job.description
            << "; across ranks it ranges from " << low << " to " << high << ")";
        return out.str();
      }
    }
    return "";
  }

  static void finish_job(const std::shared_ptr<Job>& job) {
    finish(job, job->error.empty() ? "" : "ember.distributed." + job->name + ": " + job->error);
  }

  static std::string expired(const std::shared_ptr<Job>& collective,
                             const std::vector<std::shared_ptr<Job>>& in_flight) {
    auto now = Clock::now();
    auto message = [](const Job& job) {
      std::ostringstream out;
      out << "ember.distributed." << job.name << " timed out after " << job.timeout_s
          << " s (this rank: " << job.description
          << "): another rank died, hangs, or did not call the same operation";
      return out.str();
    };
    if (collective && collective->stage != Job::Stage::Queued && now > collective->deadline)
      return message(*collective);
    for (const auto& job : in_flight)
      if (job->stage != Job::Stage::Queued && now > job->deadline) return message(*job);
    return "";
  }

  // After a timeout the ranks no longer agree on what runs next, so nothing more can be started:
  // every pending and later operation fails with the first timeout's message.
  void fail_everything(const std::string& message, const std::shared_ptr<Job>& collective,
                       const std::vector<std::shared_ptr<Job>>& in_flight) {
    std::deque<std::shared_ptr<Job>> queued;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      broken_ = message;
      queued.swap(collectives_);
      for (auto& job : point_to_point_) queued.push_back(job);
      point_to_point_.clear();
    }
    if (collective) finish(collective, message);
    for (const auto& job : in_flight) finish(job, message);
    for (const auto& job : queued) finish(job, "ember.distributed." + job->name + ": the process group is unusable: " + message);
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::shared_ptr<Job>> collectives_, point_to_point_;
  std::thread thread_;
  bool stopping_ = false;
  std::string broken_;
};

/// A communicator: the world or a group from new_group.
struct Comm {
  MPI_Comm comm = MPI_COMM_NULL;
  int rank = -1;
  int size = 0;
};

/// What Python holds for one submitted operation.
struct Work {
  std::shared_ptr<Job> job;

  bool is_completed() {
    std::lock_guard<std::mutex> lock(job->mutex);
    return job->finished;
  }

  /// Waits for the operation; raises its error. timeout_s < 0: the operation's own deadline.
  void wait(double timeout_s) {
    bool finished;
    {
      py::gil_scoped_release no_gil;
      finished = Engine::wait(job, timeout_s);
    }
    if (!finished)
      throw std::runtime_error("ember.distributed." + job->name + ": Work.wait timed out after " +
                               std::to_string(timeout_s) + " s");
    std::lock_guard<std::mutex> lock(job->mutex);
    if (!job->error.empty()) throw std::runtime_error(job->error);
  }

  int source() {
    std::lock_guard<std::mutex> lock(job->mutex);
    return job->source;
  }
};

struct Options {
  std::string name, description;
  std::vector<int64_t> meta;
  std::vector<std::string> meta_names;
  double timeout_s;
};

Work submit(const Comm& comm, const Options& options, bool collective, std::function<int(MPI_Request*)> start,
            int64_t expected_count = -1, MPI_Datatype datatype = MPI_BYTE) {
  auto job = std::make_shared<Job>();
  job->name = options.name;
  job->description = options.description;
  job->meta = options.meta;
  job->meta_names = options.meta_names;
  if (job->meta.size() != job->meta_names.size()) throw std::logic_error("meta and meta_names differ in length");
  job->timeout_s = options.timeout_s;
  job->collective = collective;
  job->comm = comm.comm;
  job->start = std::move(start);
  job->expected_count = expected_count;
  job->datatype = datatype;
  Engine::get().submit(job);
  return Work{job};
}

bool mpi_initialized() {
  int initialized = 0, finalized = 0;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  return initialized && !finalized;
}

/// Initialises MPI (once per process: MPI cannot be initialised again after MPI_Finalize).
Comm init() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (finalized) throw std::runtime_error("ember.distributed: MPI was finalized in this process and cannot start again");
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (!initialized) {
    int provided = 0;
    int rc = MPI_Init_thread(nullptr, nullptr, MPI_THREAD_SERIALIZED, &provided);
    if (rc != MPI_SUCCESS) throw std::runtime_error("ember.distributed: MPI_Init_thread failed: " + mpi_error_string(rc));
    if (provided < MPI_THREAD_SERIALIZED)
      throw std::runtime_error("ember.distributed: this MPI does not support MPI_THREAD_SERIALIZED");
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  }
  Comm world;
  world.comm = MPI_COMM_WORLD;
  MPI_Comm_rank(MPI_COMM_WORLD, &world.rank);
  MPI_Comm_size(MPI_COMM_WORLD, &world.size);
  Engine::get().start_thread();
  return world;
}

/// Stops the worker and finalizes MPI, unless a timeout left operations in flight (then
/// MPI_Finalize could wait forever for the rank that hangs).
void finalize() {
  if (!mpi_initialized()) return;
  py::gil_scoped_release no_gil;
  Engine::get().stop_thread();
  if (Engine::get().broken().empty()) MPI_Finalize();
}

}  // namespace

PYBIND11_MODULE(_mpi, m) {
  m.doc() = "MPI transport of ember.distributed";
  {
    int major = 0, minor = 0;
    MPI_Get_version(&major, &minor);
    char library[MPI_MAX_LIBRARY_VERSION_STRING];
    int length = 0;
    MPI_Get_library_version(library, &length);
    m.attr("mpi_version") = py::make_tuple(major, minor);
    m.attr("library_version") = std::string(library, length);
  }

  py::class_<Comm>(m, "Comm")
      .def_readonly("rank", &Comm::rank)
      .def_readonly("size", &Comm::size);
  py::class_<Work>(m, "Work")
      .def("is_completed", &Work::is_completed)
      .def("wait", &Work::wait, py::arg("timeout_s") = -1.0)
      .def("source", &Work::source);
  py::class_<Options>(m, "Options")
      .def(py::init<std::string, std::string, std::vector<int64_t>, std::vector<std::string>, double>(),
           py::arg("name"), py::arg("description"), py::arg("meta"), py::arg("meta_names"), py::arg("timeout_s"));

  m.def("init", &init, "Initialises MPI and starts the worker thread; returns the world communicator");
  m.def("finalize", &finalize, "Stops the worker thread and finalizes MPI");
  m.def("is_initialized", &mpi_initialized);
  m.def("broken", [] { return Engine::get().broken(); }, "Why the process group is unusable, or ''");

  m.def("split", [](const Comm& parent, int color, int key) {
    // Blocking, so the caller checks agreement (and times out) with a barrier-like check first.
    Comm result;
    py::gil_scoped_release no_gil;
    Engine::get().run_blocking([&] {
      MPI_Comm comm;
      int rc = MPI_Comm_split(parent.comm, color < 0 ? MPI_UNDEFINED : color, key, &comm);
      if (rc != MPI_SUCCESS) throw std::runtime_error("ember.distributed.new_group: " + mpi_error_string(rc));
      if (comm != MPI_COMM_NULL) {
        result.comm = comm;
        MPI_Comm_rank(comm, &result.rank);
        MPI_Comm_size(comm, &result.size);
      }
    });
    return result;
  }, py::arg("parent"), py::arg("color"), py::arg("key"),
     "MPI_Comm_split; color < 0 leaves this rank out (rank -1, size 0)");

  m.def("barrier", [](const Comm& c, const Options& o) {
    return submit(c, o, true, [comm = c.comm](MPI_Request* r) { return MPI_Ibarrier(comm, r); });
  });
  m.def("all_reduce", [](const Comm& c, const Options& o, uintptr_t data, int64_t count, const std::string& dtype,
                         const std::string& op) {
    int n = checked_count(count, o.name);
    MPI_Datatype t = mpi_datatype(dtype);
    MPI_Op reduce = mpi_op(op, dtype);
    return submit(c, o, true, [=, comm = c.comm](MPI_Request* r) {
      return MPI_Iallreduce(MPI_IN_PLACE, as_pointer(data), n, t, reduce, comm, r);
    });
  });
  m.def("broadcast", [](const Comm& c, const Options& o, uintptr_t data, int64_t count, const std::string& dtype, int root) {
    int n = checked_count(count, o.name);
    MPI_Datatype t = mpi_datatype(dtype);
    return submit(c, o, true, [=, comm = c.comm](MPI_Request* r) {
      return MPI_Ibcast(as_pointer(data), n, t, root, comm, r);
    });
  });
  m.def("reduce", [](const Comm& c, const Options& o, uintptr_t data, int64_t count, const std::string& dtype,
                     const std::string& op, int root) {
    int n = checked_count(count, o.name);
    MPI_Datatype t = mpi_datatype(dtype);
    MPI_Op reduce = mpi_op(op, dtype);
    bool is_root = c.rank == root;
    return submit(c, o, true, [=, comm = c.comm](MPI_Request* r) {
      void* send = is_root ? MPI_IN_PLACE : as_pointer(data);
      return MPI_Ireduce(send, is_root ? as_pointer(data) : nullptr, n, t, reduce, root, comm, r);
    });
  });
  m.def("all_gather", [](const Comm& c, const Options& o, uintptr_t input, uintptr_t output, int64_t count,
                         const std::string& dtype) {
    int n = checked_count(count, o.name);
    checked_count(count * c.size, o.name);
    MPI_Datatype t = mpi_datatype(dtype);
    return submit(c, o, true, [=, comm = c.comm](MPI_Request* r) {
      return MPI_Iallgather(as_pointer(input), n, t, as_pointer(output), n, t, comm, r);
    });
  }, "output holds size * count elements, rank i's input at offset i * count");
  m.def("reduce_scatter", [](const Comm& c, const Options& o, uintptr_t input, uintptr_t output, int64_t count,
                             const std::string& dtype, const std::string& op) {
    int n = checked_count(count, o.name);
    checked_count(count * c.size, o.name);
    MPI_Datatype t = mpi_datatype(dtype);
    MPI_Op reduce = mpi_op(op, dtype);
    return submit(c, o, true, [=, comm = c.comm](MPI_Request* r) {
      return MPI_Ireduce_scatter_block(as_pointer(input), as_pointer(output), n, t, reduce, comm, r);
    });
  }, "input holds size * count elements; rank i receives the reduction of block i");
  m.def("gather", [](const Comm& c, const Options& o, uintptr_t input, uintptr_t output, int64_t count,
                     const std::string& dtype, int root) {
    int n = checked_count(count, o.name);
    MPI_Datatype t = mpi_datatype(dtype);
    return submit(c, o, true, [=, comm = c.comm](MPI_Request* r) {
      return MPI_Igather(as_pointer(input), n, t, as_pointer(output), n, t, root, comm, r);
    });
  }, "output (root only) holds size * count elements");
  m.def("scatter", [](const Comm& c, const Options& o, uintptr_t input, uintptr_t output, int64_t count,
                      const std::string& dtype, int root) {
    int n = checked_count(count, o.name);
    MPI_Datatype t = mpi_datatype(dtype);
    return submit(c, o, true, [=, comm = c.comm](MPI_Request* r) {
      return MPI_Iscatter(as_pointer(input), n, t, as_pointer(output), n, t, root, comm, r);
    });
  }, "input (root only) holds size * count elements");
  m.def("all_to_all", [](const Comm& c, const Options& o, uintptr_t input, uintptr_t output,
                         std::vector<int64_t> send_counts, std::vector<int64_t> recv_counts, const std::string& dtype) {
    if (static_cast<int>(send_counts.size()) != c.size || static_cast<int>(recv_counts.size()) != c.size)
      throw py::value_error("ember.distributed." + o.name + ": split sizes must have one entry per rank");
    auto counts = std::make_shared<std::vector<int>>(4 * c.size);  // send counts, displs, recv counts, displs
    int64_t send_offset = 0, recv_offset = 0;
    for (int i = 0; i < c.size; ++i) {
      (*counts)[i] = checked_count(send_counts[i], o.name);
      (*counts)[c.size + i] = checked_count(send_offset, o.name);
      (*counts)[2 * c.size + i] = checked_count(recv_counts[i], o.name);
      (*counts)[3 * c.size + i] = checked_count(recv_offset, o.name);
      send_offset += send_counts[i];
      recv_offset += recv_counts[i];
    }
    MPI_Datatype t = mpi_datatype(dtype);
    int size = c.size;
    return submit(c, o, true, [=, comm = c.comm](MPI_Request* r) {
      int* v = counts->data();
      return MPI_Ialltoallv(as_pointer(input), v, v + size, t, as_pointer(output), v + 2 * size, v + 3 * size, t, comm, r);
    });
  });
  m.def("send", [](const Comm& c, const Options& o, uintptr_t data, int64_t count, const std::string& dtype, int peer,
                   int tag) {
    int n = checked_count(count, o.name);
    MPI_Datatype t = mpi_datatype(dtype);
    return submit(c, o, false, [=, comm = c.comm](MPI_Request* r) {
      return MPI_Isend(as_pointer(data), n, t, peer, tag, comm, r);
    });
  });
  m.def("recv", [](const Comm& c, const Options& o, uintptr_t data, int64_t count, const std::string& dtype, int peer,
                   int tag) {
    int n = checked_count(count, o.name);
    MPI_Datatype t = mpi_datatype(dtype);
    return submit(c, o, false, [=, comm = c.comm](MPI_Request* r) {
      return MPI_Irecv(as_pointer(data), n, t, peer < 0 ? MPI_ANY_SOURCE : peer, tag, comm, r);
    }, n, t);
  }, "peer < 0 receives from any rank (Work.source() says which)");
}
