// The reconstruction study kind's figure of a noise sweep, for its tests.
#pragma once

#include <optional>
#include <vector>

#include "latent/report/chart.h"
#include "latent/studies/study.h"

namespace latent {

// For a sweep over the denoising noise alone (every variant's "sweep" keys are
// training.noise_variance and/or training.noise_std, and every variant has test.denoised_psnr_db
// and test.noisy_input_psnr_db): the chart of test PSNR against the training noise variance
// (training.noise_variance as given, else noise_std squared), one series for the denoised
// outputs and one for the noisy inputs, points in order of variance. nullopt for any other run.
std::optional<LineChart> noise_sweep_chart(const std::vector<VariantResult>& results);

// File name of that chart under the run folder's figures/.
constexpr const char* kNoiseSweepChart = "psnr_vs_variance.svg";

}  // namespace latent
