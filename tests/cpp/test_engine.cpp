// The autograd engine on hand-built graphs: ordering, gradient sums, graph release, the version
// check, and deep graphs (backward and teardown without recursion).
#include "autograd/engine.h"

#include <gtest/gtest.h>
#include <pthread.h>

#include <cmath>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "ops/ops.h"

namespace ember {
namespace {

/// A node that logs when it runs, checks that its gradient arrived complete, and passes it on.
class Probe : public Node {
 public:
  Probe(std::string tag, std::vector<std::string>* log) : tag_(std::move(tag)), log_(log) {
    outputs.push_back({Shape{1}, DType::Float64, Device{}});
  }
  TensorList apply(TensorList&& grads) override {
    if (log_) log_->push_back(tag_);
    received = grads[0].defined() ? *grads[0].data<double>() : 0.0;
    return TensorList(next_edges.size(), grads[0]);
  }
  std::string name() const override { return tag_; }
  double received = 0;

 private:
  std::string tag_;
  std::vector<std::string>* log_;
};

Tensor scalar(double v, bool requires_grad = false) {
  Tensor t = full(Shape{1}, v, DType::Float64);
  if (requires_grad) t.set_requires_grad(true);
  return t;
}

double value(const Tensor& t) { return *to_dtype(contiguous(detach(t)), DType::Float64).data<double>(); }

// A root tensor whose grad_fn is `node` (what an op's output looks like to the engine).
Tensor output_of(const std::shared_ptr<Node>& node) {
  Tensor t = scalar(0);
  AutogradMeta& meta = t.ensure_autograd_meta();
  meta.requires_grad = true;
  meta.grad_fn = node;
  return t;
}

TEST(Engine, DiamondRunsEachNodeOnceAfterAllItsInputs) {
  std::vector<std::string> log;
  Tensor x = scalar(1, true);
  auto bottom = std::make_shared<Probe>("bottom", &log);
  bottom->next_edges.push_back(gradient_edge(x));
  auto left = std::make_shared<Probe>("left", &log);
  auto right = std::make_shared<Probe>("right", &log);
  left->next_edges.push_back({bottom, 0});
  right->next_edges.push_back({bottom, 0});
  auto top = std::make_shared<Probe>("top", &log);
  top->next_edges.push_back({left, 0});
  top->next_edges.push_back({right, 0});

  backward({output_of(top)}, {scalar(3)}, false, false);

  ASSERT_EQ(log.size(), 4u);
  EXPECT_EQ(log.front(), "top");
  EXPECT_EQ(log.back(), "bottom");  // after both of its inputs, exactly once
  EXPECT_DOUBLE_EQ(bottom->received, 6.0);  // 3 along each path, summed before it runs
  EXPECT_DOUBLE_EQ(value(x.grad()), 6.0);
}

TEST(Engine, ReadyNodesRunNewestFirst) {
  std::vector<std::string> log;
  auto older = std::make_shared<Probe>("older", &log);
  auto newer = std::make_shared<Probe>("newer", &log);
  auto top = std::make_shared<Probe>("top", &log);
  top->next_edges.push_back({older, 0});
  top->next_edges.push_back({newer, 0});
  backward({output_of(top)}, {scalar(1)}, false, false);
  EXPECT_EQ(log, (std::vector<std::string>{"top", "newer", "older"}));
}

TEST(Engine, DiamondOfRealOpsSumsGradients) {
  Tensor x = scalar(2, true);
  Tensor a = mul(x, scalar(3));
  Tensor d = add(exp(a), mul(a, a));
  backward({sum(d)}, {}, false, false);
  EXPECT_NEAR(value(x.grad()), 3 * std::exp(6.0) + 2 * 6.0 * 3, 1e-9);
}

TEST(Engine, ReusedTensorAccumulates) {
  Tensor x = scalar(1.5, true);
  backward({sum(add(mul(mul(x, x), x), x))}, {}, false, false);
  EXPECT_DOUBLE_EQ(value(x.grad()), 3 * 1.5 * 1.5 + 1);
}

TEST(Engine, GraphIsReleasedUnlessRetained) {
  Tensor x = scalar(2, true);
  Tensor y = sum(mul(x, x));
  backward({y}, {}, /*retain_graph=*/true, false);
  backward({y}, {}, /*retain_graph=*/false, false);
  EXPECT_DOUBLE_EQ(value(x.grad()), 8.0);
  try {
    backward({y}, {}, false, false);
    FAIL() << "a second backward through a released graph must throw";
  } catch (const RuntimeError& e) {
    EXPECT_NE(std::string(e.what()).find("retain_graph=True"), std::string::npos) << e.what();
  }
}

TEST(Engine, InPlaceChangeOfSavedTensorIsCaught) {
  Tensor x = scalar(1, true);
  Tensor h = mul(x, scalar(2));
  Tensor y = mul(h, h);
  add_(h, scalar(1));
  try {
    backward({sum(y)}, {}, false, false);
    FAIL() << "backward through a tensor modified after it was saved must throw";
  } catch (const RuntimeError& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("modified by an inplace operation"), std::string::npos) << msg;
    EXPECT_NE(msg.find("is at version 1; expected version 0"), std::string::npos) << msg;
  }
}

TEST(Engine, NonScalarRootNeedsAGradient) {
  Tensor x = full(Shape{3}, 1.0, DType::Float64);
  x.set_requires_grad(true);
  EXPECT_THROW(backward({mul(x, scalar(2))}, {}, false, false), RuntimeError);
}

TEST(Engine, GradCapturesOnlyRequestedInputs) {
  Tensor x = scalar(2, true), w = scalar(3, true);
  Tensor y = sum(add(mul(x, x), mul(w, w)));
  TensorList g = grad({y}, {}, {x}, false, false, false);
  EXPECT_DOUBLE_EQ(value(g[0]), 4.0);
  EXPECT_FALSE(x.grad().defined());
  // w's branch did not run, so its saved tensors are intact for a later pass.
  TensorList gw = grad({y}, {}, {w}, false, false, false);
  EXPECT_DOUBLE_EQ(value(gw[0]), 6.0);
}

TEST(Engine, DeepChainBackward) {
  Tensor x = scalar(1, true);
  Tensor y = x;
  for (int i = 0; i < 100000; ++i) y = mul(y, scalar(1));
  backward({y}, {}, false, false);
  EXPECT_DOUBLE_EQ(value(x.grad()), 1.0);
}

// Runs fn on a thread with a 256 KiB stack: a recursive teardown of a long chain overflows it.
void on_small_stack(std::function<void()> fn) {
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 256 * 1024);
  pthread_t thread;
  auto run = [](void* arg) -> void* {
    (*static_cast<std::function<void()>*>(arg))();
    return nullptr;
  };
  ASSERT_EQ(pthread_create(&thread, &attr, run, &fn), 0);
  pthread_join(thread, nullptr);
  pthread_attr_destroy(&attr);
}

TEST(Engine, DestroyingALongChainDoesNotRecurse) {
  int64_t base = live_node_count();
  std::shared_ptr<Node> head = std::make_shared<Probe>("n", nullptr);
  for (int i = 0; i < 300000; ++i) {
    auto next = std::make_shared<Probe>("n", nullptr);
    next->next_edges.push_back({std::move(head), 0});
    head = std::move(next);
  }
  EXPECT_EQ(live_node_count(), base + 300001);
  on_small_stack([&] { head.reset(); });
  EXPECT_EQ(live_node_count(), base);
}

TEST(Engine, DestroyingALongChainOfOpsDoesNotRecurse) {
  int64_t base = live_node_count();
  on_small_stack([&] {
    Tensor x = scalar(1, true);
    Tensor y = x;
    for (int i = 0; i < 100000; ++i) y = mul(exp(y), x);  // saved tensors share the chain too
  });
  EXPECT_EQ(live_node_count(), base);
}

}  // namespace
}  // namespace ember
