// SwiftPM needs one source file in a C target; the real code is in libprocore_uniffi.
#include "ProcoreFFI.h"
