// The risk table, data/risk/high.json, parsed once (private to the emitter).
#pragma once

#include "seclearn/core/json.h"

namespace seclearn {

// The whole document; an empty object if it is missing or malformed (a build error: it is
// embedded).
const Json& RiskTable();

}  // namespace seclearn
