// The control for upward_include.cpp: the same data-layer view including a header of its own layer
// and one of core below it builds (Layers.DownwardIncludeBuilds), so the other probe fails for the
// upward include alone.
#include "latent/core/text.h"
#include "latent/data/batch.h"

int layer_probe_downward() { return static_cast<int>(latent::edit_distance("a", "b")); }
