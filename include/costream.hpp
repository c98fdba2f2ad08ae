// costream: the umbrella header. Includes every public costream header; include the
// individual headers instead to keep compile times down.
#pragma once

#include <costream/config.hpp>
#include <costream/errc.hpp>
#include <costream/error.hpp>
