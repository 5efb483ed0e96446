// A file compiled as the data layer compiles it, including a header of the training layer above it.
// It must not build: each layer sees only its own include root and those of the layers below it
// (CMakeLists.txt, latent_layer). Built only by the test Layers.UpwardIncludeFailsToBuild.
#include "latent/training/loop.h"

int layer_probe_upward() { return 0; }
