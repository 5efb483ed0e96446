// Test helper: loads a checkpoint in a fresh process and writes the model's reconstruction
// of an input tensor. Usage: checkpoint_probe MODEL.pt INPUT.pt OUTPUT.pt
#include <iostream>

#include "latent/core/eval_mode.h"
#include "latent/studies/saved_model.h"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: checkpoint_probe MODEL.pt INPUT.pt OUTPUT.pt\n";
    return 2;
  }
  try {
    auto loaded = latent::load_autoencoder(argv[1]);
    torch::Tensor x;
    torch::load(x, argv[2]);
    latent::EvalMode guard(*loaded.model);
    torch::Tensor y = loaded.model->forward(x).recon;
    torch::save(y, argv[3]);
  } catch (const std::exception& e) {
    std::cerr << e.what() << "\n";
    return 1;
  }
  return 0;
}
