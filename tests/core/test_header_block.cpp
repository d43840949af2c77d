// find_header over XMLHttpRequest's getAllResponseHeaders() block: how the core's own export sender reads
// Retry-After (wasm/fetch_export.cpp).
#include <catch2/catch.hpp>

#include "header_block.h"

using tes::find_header;

TEST_CASE("find_header: case-insensitive names, trimmed values, CRLF or LF, first match wins") {
  const std::string_view block = "content-type: application/json\r\nretry-after: 3\r\nRetry-After: 9\r\n";
  REQUIRE(find_header(block, "retry-after").has_value());
  CHECK(*find_header(block, "retry-after") == "3");
  CHECK(*find_header(block, "RETRY-AFTER") == "3");
  CHECK(*find_header(block, "Content-Type") == "application/json");
  CHECK(*find_header("Retry-After:\t Wed, 21 Oct 2015 07:28:00 GMT \nx: y", "retry-after") ==
        "Wed, 21 Oct 2015 07:28:00 GMT");
  CHECK(*find_header("x: 1\nretry-after: 5", "retry-after") == "5");  // last line without a line end
  CHECK(*find_header("retry-after:\r\n", "retry-after") == "");      // present, empty
}

TEST_CASE("find_header: absent names, prefixes and lines without a colon find nothing") {
  CHECK_FALSE(find_header("", "retry-after").has_value());
  CHECK_FALSE(find_header("retry-after-x: 1\r\n", "retry-after").has_value());
  CHECK_FALSE(find_header("x-retry-after: 1\r\n", "retry-after").has_value());
  CHECK_FALSE(find_header("retry-after 1\r\n\r\n", "retry-after").has_value());
  CHECK(*find_header("garbage\r\n: no name\r\nretry-after: 2\r\n", "retry-after") == "2");
}
