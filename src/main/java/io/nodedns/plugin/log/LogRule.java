package io.nodedns.plugin.log;

import java.util.EnumSet;
import java.util.List;

/** One {@code log} line: the names it covers, its format and the response classes it prints. */
record LogRule(List<String> zones, LogFormat format, EnumSet<ResponseClass> classes) {
}
