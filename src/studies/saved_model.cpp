// Loading autoencoders from checkpoints.
#include "latent/studies/saved_model.h"

#include "latent/core/error.h"

namespace latent {

LoadedAutoencoder load_autoencoder(const std::filesystem::path& path) {
  LoadedAutoencoder out;
  out.meta = read_checkpoint_meta(path);
  if (out.meta.kind != "reconstruction")
    throw Error(path.string() + ": a '" + out.meta.kind + "' checkpoint, not an autoencoder");
  out.spec = parse_spec(out.meta.spec_toml, path.string() + " (stored spec)");
  out.model = make_autoencoder(ModelSpec::from_values(out.spec.values), out.meta.input_shape);
  load_checkpoint_weights(path, *out.model);
  out.model->eval();
  return out;
}

}  // namespace latent
