#include "seclearn/core/json.h"
