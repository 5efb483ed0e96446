// ModelSpec from a resolved spec's values.
#include "latent/models/model_spec.h"

namespace latent {

ModelSpec ModelSpec::from_values(const KeyValues& v) {
  ModelSpec m;
  auto take = [&](const char* key, auto& field) {
    using T = std::decay_t<decltype(field)>;
    if (v.has(key)) field = v.get<T>(key);
  };
  take("model.type", m.type);
  take("model.hidden", m.hidden);
  take("model.decoder_hidden", m.decoder_hidden);
  take("model.latent", m.latent);
  take("model.activation", m.activation);
  take("model.code_activation", m.code_activation);
  take("model.output", m.output);
  take("model.init", m.init);
  take("model.channels", m.channels);
  take("model.kernel", m.kernel);
  take("model.dropout", m.dropout);
  return m;
}

}  // namespace latent
