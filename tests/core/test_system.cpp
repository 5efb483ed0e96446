// core/system: the OpenMP wait policy the programs start with (prefer_passive_openmp_wait), the
// threads latent's own kernel loops run on (kernel_loop_threads) and SerialScope.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdlib>
#include <fstream>
#include <string>

#include "latent/core/system.h"
#include "latent/kernels/substitute.h"
#include "test_util.h"

namespace {

constexpr const char* kOutVar = "LATENT_TEST_WAIT_POLICY_OUT";

// Runs only as the re-executed child of the test below: writes the policy it was started with.
TEST(System, WaitPolicyReportedByTheReexecutedProgram) {
  const char* out = std::getenv(kOutVar);
  if (out == nullptr) GTEST_SKIP() << "helper of System.UnsetWaitPolicyBecomesPassiveByReexecuting";
  const char* policy = std::getenv("OMP_WAIT_POLICY");
  std::ofstream(out) << (policy ? policy : "(unset)");
}

TEST(System, UnsetWaitPolicyBecomesPassiveByReexecuting) {
  latent::testing::TempDir tmp;
  const std::string out = (tmp / "policy.txt").string();
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    unsetenv("OMP_WAIT_POLICY");
    unsetenv("GOMP_SPINCOUNT");
    setenv(kOutVar, out.c_str(), 1);
    std::string self = "latent_tests";
    std::string filter = "--gtest_filter=System.WaitPolicyReportedByTheReexecutedProgram";
    char* argv[] = {self.data(), filter.data(), nullptr};
    latent::prefer_passive_openmp_wait(argv);
    _exit(99);  // returned: no exec happened
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0) << "99: the program was not re-executed";
  std::ifstream in(out);
  std::string policy;
  std::getline(in, policy);
  EXPECT_EQ(policy, "PASSIVE");
}

TEST(System, WaitPolicyTheUserSetIsKept) {
  // With either variable set, the function returns without touching the environment.
  for (const char* var : {"OMP_WAIT_POLICY", "GOMP_SPINCOUNT"}) {
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      unsetenv("OMP_WAIT_POLICY");
      unsetenv("GOMP_SPINCOUNT");
      setenv(var, "ACTIVE", 1);
      char self[] = "latent_tests";
      char* argv[] = {self, nullptr};
      latent::prefer_passive_openmp_wait(argv);
      const char* policy = std::getenv("OMP_WAIT_POLICY");
      const bool untouched =
          std::string(var) == "OMP_WAIT_POLICY" ? std::string(policy) == "ACTIVE" : policy == nullptr;
      _exit(untouched ? 0 : 1);
    }
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status)) << var;
    EXPECT_EQ(WEXITSTATUS(status), 0) << var;
  }
}

TEST(System, KernelLoopsRunOnTheThreadsAsked) {
  // latent's own kernels (gemm, sigmoid, BCE, fused Adam) split their loops with at::parallel_for,
  // which is serial unless their files are compiled with OpenMP (CMakeLists.txt).
  const auto [one, two] = latent::testing::at_one_and_two_threads(latent::kernel_loop_threads);
  EXPECT_EQ(one, 1);
  EXPECT_EQ(two, 2) << "latent's kernel loops ran on one thread with 2 asked: built without OpenMP?";
}

TEST(System, SerialScopeRunsLibTorchLoopsOnOneThreadAndRestores) {
  // What a SerialScope must do at 2 threads: loops inside run on the calling thread alone (LibTorch's
  // at::parallel_for reads the team size it sets), and the setting comes back when it ends.
  const auto [one, two] = latent::testing::at_one_and_two_threads([] {
    std::array<int, 5> seen{};
    {
      latent::SerialScope serial(true);
      seen[0] = latent::kernel_loop_threads();
      seen[1] = at::get_num_threads();
    }
    seen[2] = latent::kernel_loop_threads();
    {
      latent::SerialScope small(torch::zeros({256, 784}));  // 200,704 elements: serial
      seen[3] = latent::kernel_loop_threads();
    }
    latent::SerialScope large(torch::zeros({latent::kSerialOpElements}));  // not below the bound: inactive
    seen[4] = latent::kernel_loop_threads();
    return seen;
  });
  EXPECT_EQ(one, (std::array<int, 5>{1, 1, 1, 1, 1}));
  EXPECT_EQ(two, (std::array<int, 5>{1, 1, 2, 1, 2}));
}

TEST(System, IsolatedRandomScopeDrawsFromItsSeedAndRestores) {
  // Inside: what a fresh generator of that seed gives, through LibTorch's and latent's own samplers.
  // After: the draws the default generator would have made had the scope never been.
  torch::manual_seed(5);
  const auto expected_after = torch::randn({100});
  torch::Tensor inside, inside_fast, after;
  torch::manual_seed(5);
  {
    latent::IsolatedRandomScope scope(torch::kCPU, 99);
    inside = torch::randn({100});
    inside_fast = latent::randn_like(torch::empty({48}));
  }
  after = torch::randn({100});
  EXPECT_TRUE(torch::equal(after, expected_after));
  auto gen = at::detail::createCPUGenerator(99);
  EXPECT_TRUE(torch::equal(inside, torch::randn({100}, gen)));
  EXPECT_TRUE(torch::equal(inside_fast, torch::randn({48}, gen)));
  EXPECT_FALSE(torch::equal(inside, after));

  torch::manual_seed(6);
  auto mask = torch::empty({64});
  latent::bernoulli_mask(mask, 0.5);
  const auto expected_mask = mask.clone();
  torch::manual_seed(6);
  { latent::IsolatedRandomScope scope(torch::kCPU, 7), again(torch::kCPU, 8); }
  latent::bernoulli_mask(mask, 0.5);
  EXPECT_TRUE(torch::equal(mask, expected_mask));
}

}  // namespace
