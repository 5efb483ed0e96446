// Interrupted runs lose nothing: a run stopped by SIGINT/SIGTERM (in-process) or SIGKILL (a
// real child process) and resumed with --resume ends with exactly the metrics of an
// uninterrupted run; a non-finite loss keeps the last good checkpoint; a full disk or a
// read-only folder gives a clear error and leaves earlier results intact. Faults are
// injected with LATENT_FAULT (see core/interrupt.h) so they land mid-epoch every time.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include "cli_util.h"
#include "latent/core/interrupt.h"
#include "latent/studies/variant_result.h"
#include "latent/training/train_state.h"
#include "test_util.h"

namespace latent {
namespace {

using testing::TempDir;
namespace fs = std::filesystem;
const auto& cli = testing::run_cli;

using testing::FaultEnv;

// A 2-variant sweep on synthetic data: 96 training images in batches of 16 (6 batches an
// epoch minus the validation split: 5 batches), 3 epochs, Adam, a plateau schedule, denoising
// noise and augmentation (flips, rotations) from the study's own generator.
void write_spec(const fs::path& path, const fs::path& data) {
  std::ofstream(path) << "study = \"resume-test\"\nkind = \"reconstruction\"\nseed = 7\n"
                      << "[data]\npath = \"" << data.string() << "\"\nval_split = 0.2\n"
                      << "[model]\ntype = \"dense_ae\"\nhidden = [24]\nlatent = 6\n"
                      << "[training]\nepochs = 3\nbatch_size = 16\nlr = 0.01\nnoise_std = 0.1\nschedule = \"plateau\"\n"
                      << "plateau_patience = 0\naugment_flip = true\naugment_rotate = 10.0\n"
                      << "[sweep]\n\"model.latent\" = [4, 6]\n";
}

nlohmann::json metrics_of(const fs::path& run) {
  return nlohmann::json::parse(testing::read_file(run / "metrics.json"));
}

// What must not change across an interruption: every variant's test metrics and losses.
void expect_same_results(const nlohmann::json& a, const nlohmann::json& b) {
  ASSERT_EQ(a["variants"].size(), b["variants"].size());
  for (size_t i = 0; i < a["variants"].size(); ++i) {
    const auto& va = a["variants"][i];
    const auto& vb = b["variants"][i];
    ASSERT_TRUE(va.contains("test")) << va.dump();
    EXPECT_EQ(va["test"], vb["test"]) << "variant " << i;
    for (const char* key : {"final_train_loss", "final_lr"})
      EXPECT_EQ(va.value(key, nlohmann::json()), vb.value(key, nlohmann::json())) << key << ", variant " << i;
  }
}

// history.csv without its seconds column (wall time differs between runs).
std::string losses_of(const fs::path& csv) {
  std::string out;
  int seconds_column = -1;
  for (const auto& row : testing::csv_rows(csv)) {
    for (int i = 0; i < static_cast<int>(row.size()); ++i) {
      if (seconds_column < 0 && row[i] == "seconds") seconds_column = i;
      if (i != seconds_column) out += row[i] + ",";
    }
    out += "\n";
  }
  EXPECT_GE(seconds_column, 0) << csv;
  return out;
}

struct Fixture {
  TempDir tmp;
  fs::path spec = tmp / "spec.toml";
  fs::path data = tmp / "data";
  Fixture() {
    testing::write_synthetic_idx(data, 96, 24, 8);
    write_spec(spec, data);
  }
  testing::CliResult run(const std::string& out) {
    return cli({"run", spec.string(), "--out", (tmp / out).string(), "--quiet", "--threads", "1"});
  }
};

fs::path bin_dir() { return fs::read_symlink("/proc/self/exe").parent_path(); }

// Runs a shell command; returns its wait status.
int shell(const std::string& cmd) { return std::system(cmd.c_str()); }

TEST(Resume, SigintAndSigtermMidEpochThenResumeGiveTheUninterruptedMetrics) {
  Fixture f;
  ASSERT_EQ(f.run("straight").code, 0);
  const auto straight = metrics_of(f.tmp / "straight");

  // 5 batches an epoch, 15 a variant: batch 7 is mid-epoch 2 of the first variant,
  // batch 24 is mid-epoch 2 of the second.
  for (const auto& [fault, code, variant] :
       {std::tuple{"int@7", 130, "latent4"}, std::tuple{"term@24", 143, "latent6"}}) {
    const std::string out = std::string("stopped-") + fault;
    {
      FaultEnv env(fault);
      auto r = f.run(out);
      ASSERT_EQ(r.code, code) << r.err;
      EXPECT_NE(
          r.err.find("interrupted by " + std::string(code == 130 ? "SIGINT" : "SIGTERM") + " in epoch 2 after batch"),
          std::string::npos)
          << r.err;
      EXPECT_NE(r.err.find("latent run --resume " + (f.tmp / out).string()), std::string::npos) << r.err;
      EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    }
    EXPECT_FALSE(fs::exists(f.tmp / out / "metrics.json"));
    ASSERT_TRUE(fs::exists(f.tmp / out / variant / kTrainStateFile));
    auto r = cli({"run", "--resume", (f.tmp / out).string(), "--quiet"});
    ASSERT_EQ(r.code, 0) << r.err;
    const auto resumed = metrics_of(f.tmp / out);
    EXPECT_TRUE(resumed.value("resumed", false));
    expect_same_results(straight, resumed);
    for (const char* v : {"latent4", "latent6"}) {
      EXPECT_EQ(losses_of(f.tmp / "straight" / v / "history.csv"), losses_of(f.tmp / out / v / "history.csv")) << v;
      EXPECT_FALSE(fs::exists(f.tmp / out / v / kTrainStateFile)) << "left behind after the variant finished";
    }
  }
}

TEST(Resume, VaeWithKlWarmUpResumesExactly) {
  // The KL weight depends on the global batch index, which must survive the interruption.
  TempDir tmp;
  testing::write_synthetic_idx(tmp / "data", 64, 16, 8);
  const fs::path spec = tmp / "vae.toml";
  std::ofstream(spec) << "study = \"vae-resume\"\nkind = \"vae\"\nseed = 3\n[data]\npath = \""
                      << (tmp / "data").string() << "\"\n[model]\ntype = \"dense_vae\"\nhidden = [16]\nlatent = 2\n"
                      << "[training]\nepochs = 3\nbatch_size = 16\nkl_warmup_epochs = 2\n";
  auto run = [&](const std::string& out) {
    return cli({"run", spec.string(), "--out", (tmp / out).string(), "--quiet", "--threads", "1"});
  };
  auto straight = run("straight");
  ASSERT_EQ(straight.code, 0) << straight.err;
  {
    FaultEnv env("int@6");
    ASSERT_EQ(run("stopped").code, 130);
  }
  auto r = cli({"run", "--resume", (tmp / "stopped").string(), "--quiet"});
  ASSERT_EQ(r.code, 0) << r.err;
  expect_same_results(metrics_of(tmp / "straight"), metrics_of(tmp / "stopped"));
}

TEST(Resume, SigkillMidEpochLosesNothing) {
  Fixture f;
  const std::string latent = (bin_dir() / "latent").string();
  ASSERT_TRUE(fs::exists(latent)) << latent;
  auto start = [&](const std::string& out, const std::string& env) {
    return shell(env + " exec " + latent + " run " + f.spec.string() + " --out " + (f.tmp / out).string() +
                 " --quiet --threads 1 2>/dev/null");
  };
  ASSERT_EQ(start("straight", ""), 0);
  // Killed in the first variant's third epoch, then resumed; killed again in the second.
  const int killed = start("killed", "LATENT_FAULT=kill@12");
  ASSERT_TRUE(WIFSIGNALED(killed) && WTERMSIG(killed) == SIGKILL) << killed;
  EXPECT_FALSE(fs::exists(f.tmp / "killed" / "metrics.json"));
  const std::string resume = "exec " + latent + " run --resume " + (f.tmp / "killed").string() + " --quiet 2>/dev/null";
  const int again = shell("LATENT_FAULT=kill@8 " + resume);
  ASSERT_TRUE(WIFSIGNALED(again) && WTERMSIG(again) == SIGKILL) << again;
  EXPECT_TRUE(fs::exists(f.tmp / "killed" / "latent4" / kVariantResultFile));
  ASSERT_EQ(shell(resume), 0);
  expect_same_results(metrics_of(f.tmp / "straight"), metrics_of(f.tmp / "killed"));
  for (const auto& entry : fs::recursive_directory_iterator(f.tmp / "killed"))
    EXPECT_EQ(entry.path().filename().string().find(".tmp"), std::string::npos)
        << "half-written file left: " << entry.path();
}

TEST(Resume, JobsWorkersKilledThenResumedGiveTheSequentialMetrics) {
  Fixture f;
  setenv("LATENT_WORKER_EXE", (bin_dir() / "latent").c_str(), 1);
  ASSERT_EQ(f.run("straight").code, 0);
  auto jobs = [&](const std::string& out) {
    return cli({"run", f.spec.string(), "--out", (f.tmp / out).string(), "--quiet", "--threads", "1", "--jobs", "2"});
  };
  {
    // Each worker is killed in its variant's epoch 2 (batch 7 of its own count).
    FaultEnv env("kill@7");
    auto r = jobs("killed");
    ASSERT_EQ(r.code, 1) << r.err;
    EXPECT_NE(r.err.find("killed by signal 9"), std::string::npos) << r.err;
  }
  EXPECT_FALSE(fs::exists(f.tmp / "killed" / "metrics.json"));
  auto r = cli({"run", "--resume", (f.tmp / "killed").string(), "--quiet"});
  ASSERT_EQ(r.code, 0) << r.err;
  expect_same_results(metrics_of(f.tmp / "straight"), metrics_of(f.tmp / "killed"));
  for (const char* v : {"latent4", "latent6"})
    EXPECT_EQ(losses_of(f.tmp / "straight" / v / "history.csv"), losses_of(f.tmp / "killed" / v / "history.csv")) << v;
  unsetenv("LATENT_WORKER_EXE");
}

TEST(Resume, NonFiniteLossStopsAndKeepsTheLastGoodCheckpoint) {
  Fixture f;
  FaultEnv env("nan@7");  // epoch 2 of the first variant
  auto r = f.run("nan");
  ASSERT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("training loss became nan in epoch 2"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("last good checkpoint (after epoch 1) is kept in"), std::string::npos) << r.err;
  const fs::path state = f.tmp / "nan" / "latent4" / kTrainStateFile;
  ASSERT_TRUE(fs::exists(state));
  // The kept state is epoch 1's, with finite weights.
  const History kept = read_train_state_history(state);
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_TRUE(std::isfinite(kept[0].train_loss) && std::isfinite(kept[0].val_loss));
}

TEST(Resume, MisuseIsAOneLineError) {
  Fixture f;
  auto missing = cli({"run", "--resume", (f.tmp / "nope").string()});
  EXPECT_EQ(missing.code, 2);
  EXPECT_NE(missing.err.find("no such run folder"), std::string::npos) << missing.err;
  fs::create_directories(f.tmp / "empty");
  auto empty = cli({"run", "--resume", (f.tmp / "empty").string()});
  EXPECT_EQ(empty.code, 2);
  EXPECT_NE(empty.err.find("not a run folder (no spec.toml)"), std::string::npos) << empty.err;
  ASSERT_EQ(f.run("done").code, 0);
  auto done = cli({"run", "--resume", (f.tmp / "done").string()});
  EXPECT_EQ(done.code, 2);
  EXPECT_NE(done.err.find("holds a finished run"), std::string::npos) << done.err;
  auto both = cli({"run", f.spec.string(), "--resume", (f.tmp / "done").string()});
  EXPECT_EQ(both.code, 2);
  EXPECT_NE(both.err.find("excludes"), std::string::npos) << both.err;
  FaultEnv env("explode@3");
  auto bad_fault = f.run("bad-fault");
  EXPECT_EQ(bad_fault.code, 2);
  EXPECT_NE(bad_fault.err.find("LATENT_FAULT='explode@3'"), std::string::npos) << bad_fault.err;
}

// Runs `script` as root of a private mount namespace (unshare -rm), or returns -1 when this
// machine does not allow one in which a tmpfs and a read-only bind mount can be made.
int in_mount_namespace(const std::string& script, const fs::path& probe_dir) {
  const std::string d = probe_dir.string();
  if (shell("unshare -rm sh -c 'mount -t tmpfs -o size=64k tmpfs " + d + " && mount --bind " + d + " " + d +
            " && mount -o remount,bind,ro " + d + "' >/dev/null 2>&1") != 0)
    return -1;
  return shell("unshare -rm sh -c '" + script + "'");
}

TEST(Resume, FullDiskAndReadOnlyFolderFailCleanlyAndKeepEarlierResults) {
  Fixture f;
  const std::string latent = (bin_dir() / "latent").string();
  const fs::path mnt = f.tmp / "mnt";
  fs::create_directories(mnt);
  // A 64 KiB disk: spec.toml and run.json fit, the first checkpoint does not.
  const std::string run = latent + " run " + f.spec.string() + " --out " + mnt.string() + "/run --quiet --threads 1";
  const std::string err = (f.tmp / "err.txt").string();
  int status = in_mount_namespace("mount -t tmpfs -o size=64k tmpfs " + mnt.string() + " && echo keep > " +
                                      mnt.string() + "/earlier.txt && " + run + " 2>" + err + "; code=$?; cat " +
                                      mnt.string() + "/earlier.txt >> " + err + "; ls -a " + mnt.string() +
                                      "/run/latent4 >> " + err + "; exit $code",
                                  mnt);
  if (status == -1) GTEST_SKIP() << "no private mount namespaces here (unshare -rm)";
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 1);
  const std::string text = testing::read_file(err);
  EXPECT_NE(text.find("latent: error: " + mnt.string() + "/run/latent4/"), std::string::npos) << text;
  EXPECT_NE(text.find("No space left on device"), std::string::npos) << text;
  EXPECT_NE(text.find("keep\n"), std::string::npos) << "an earlier file was damaged: " << text;
  EXPECT_EQ(text.find(".tmp"), std::string::npos) << "half-written file left: " << text;

  // A read-only folder holding a finished run: a new run into it is refused, the old one stays.
  ASSERT_EQ(f.run("finished").code, 0);
  const std::string before = testing::read_file(f.tmp / "finished" / "metrics.json");
  status = in_mount_namespace("mount --bind " + (f.tmp / "finished").string() + " " + mnt.string() +
                                  " && mount -o remount,bind,ro " + mnt.string() + " && " + latent + " run " +
                                  f.spec.string() + " --out " + mnt.string() + "/new --quiet 2>" + err,
                              mnt);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 1);
  const std::string ro = testing::read_file(err);
  EXPECT_NE(ro.find("latent: error: " + mnt.string() + "/new: cannot create folder"), std::string::npos) << ro;
  EXPECT_EQ(std::count(ro.begin(), ro.end(), '\n'), 1) << ro;
  EXPECT_EQ(testing::read_file(f.tmp / "finished" / "metrics.json"), before);
}

}  // namespace
}  // namespace latent
