// `latent run --jobs N`: a study's variants run N at a time, each in a child process of the
// latent program (`latent run ... --worker-variant NAME`) with its own model, generators and
// max(1, threads / N) intra-op threads. Each variant is seeded from its own seed exactly as in a
// sequential run, so the metrics equal those of --jobs 1 at the same per-variant thread count.
#pragma once

#include <filesystem>
#include <vector>

#include "latent/studies/runner.h"
#include "latent/studies/study.h"

namespace latent {

// The program started for each variant: $LATENT_WORKER_EXE when set (for programs that embed
// run_study), else the running executable.
std::filesystem::path worker_executable();

// Runs every variant of `study` in a child process, at most options.jobs at a time; each child
// reads run_dir/spec.toml, writes its files into run_dir/<variant> and its log (progress lines,
// errors) into run_dir/<variant>/worker.log, and leaves its result in variant_result.pt.
// Returns the results in variant order. With `resume`, finished variants are kept and the
// children continue from their train_state.pt. A failing child stops the others and throws
// Error naming the variant with the child's error line. SIGINT/SIGTERM (under the caller's
// InterruptGuard) are passed on to the children, which save their training state; then
// Interrupted is thrown.
std::vector<VariantResult> run_variants_in_processes(const RunOptions& options, const StudySpec& study,
                                                     const std::filesystem::path& run_dir, bool resume,
                                                     Progress& progress);

// The child's side (options.worker_variant set): runs that one variant into
// out_dir/<variant> and leaves its result there for the parent.
RunSummary run_variant_worker(const RunOptions& options);

}  // namespace latent
