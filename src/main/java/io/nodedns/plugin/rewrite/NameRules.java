package io.nodedns.plugin.rewrite;

import io.nodedns.config.ConfigException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** Parses {@code name [TYPE] FROM TO [answer auto | answer name RE REPL | answer value RE REPL ...]} (CoreDNS newNameRule). */
final class NameRules {
    private NameRules() {}

    static Rule parse(boolean stop, RewriteSetup.Args a) throws ConfigException {
        if (a.size() < 2) {
            throw a.err(a.last(), "too few arguments for a name rule");
        }
        NameMatch.Kind kind = NameMatch.Kind.EXACT;
        int from = 0;
        if (a.size() >= 3) {
            kind = NameMatch.kind(a.text(0));
            if (kind == null) {
                throw a.err(a.token(0),
                        "name rule supports only exact, prefix, suffix, substring, and regex name matching, received: "
                                + a.text(0));
            }
            from = 1;
        }
        NameMatch match = NameMatch.of(kind, a.text(from));
        List<AnswerOp> statics = new ArrayList<>();
        boolean auto = a.size() > 3 && parseAnswers(a, 3, statics);
        String to = NameMatch.normalize(a.text(from + 1));
        Template template = template(a, from, match);
        List<AnswerOp> answers = new ArrayList<>();
        if (kind == NameMatch.Kind.EXACT || (auto && kind != NameMatch.Kind.SUFFIX)) {
            answers.add(AnswerOp.remap(false));
            answers.add(AnswerOp.remap(true));
        } else if (auto) {
            // suffix auto: the opposite suffix replacement, as CoreDNS does
            String suffix = new String(match.pattern);
            answers.add(AnswerOp.suffix(false, to, suffix));
            answers.add(AnswerOp.suffix(true, to, suffix));
        }
        answers.addAll(statics);
        return new NameRule(stop, match, kind == NameMatch.Kind.REGEX ? null : to, template, answers);
    }

    /**
     * A rule that only maps names, FROM at {@code from} and TO after it, no answer options: CoreDNS's
     * cname rule, which normalizes only exact names and takes the others in lower case as written.
     */
    static NameRule mapping(boolean stop, NameMatch.Kind kind, RewriteSetup.Args a, int from) throws ConfigException {
        if (kind == NameMatch.Kind.EXACT || kind == NameMatch.Kind.REGEX) {
            NameMatch match = NameMatch.of(kind, a.text(from));
            return new NameRule(stop, match,
                    kind == NameMatch.Kind.EXACT ? NameMatch.normalize(a.text(from + 1)) : null,
                    template(a, from, match), List.of());
        }
        return new NameRule(stop, NameMatch.literal(kind, a.text(from)),
                a.text(from + 1).toLowerCase(java.util.Locale.ROOT),
                null, List.of());
    }

    /** A regex rule's TO as a template (checked against FROM's groups); null for the other kinds. */
    private static Template template(RewriteSetup.Args a, int from, NameMatch match) throws ConfigException {
        if (match.kind != NameMatch.Kind.REGEX) {
            return null;
        }
        Template template = Template.parse(NameMatch.normalize(a.text(from + 1)));
        checkGroups(a, from + 1, match.regex, template);
        return template;
    }

    /** CoreDNS parseAnswerRules: the first option needs the keyword "answer", later ones may drop it. */
    private static boolean parseAnswers(RewriteSetup.Args a, int start, List<AnswerOp> out) throws ConfigException {
        if (a.size() - start < 2) {
            throw a.err(a.token(start), "invalid arguments for name rule");
        }
        boolean auto = false;
        int names = 0;
        int i = start;
        while (i < a.size()) {
            if (i == start && !a.lower(i).equals("answer")) {
                throw a.err(a.token(i),
                        "exceeded the number of arguments for a non-answer rule argument for name rule");
            }
            if (a.lower(i).equals("answer")) {
                i++;
            }
            if (i >= a.size()) {
                throw a.err(a.last(), "type missing for answer rule for name rule");
            }
            String what = a.lower(i++);
            switch (what) {
                case "auto" -> auto = true;
                case "name", "value" -> {
                    if (a.size() - i < 2) {
                        throw a.err(a.last(), what + " answer rule for name rule: 2 arguments required");
                    }
                    Pattern p = NameMatch.compile(a.text(i));
                    Template t = Template.parse(NameMatch.normalize(a.text(i + 1)));
                    checkGroups(a, i + 1, p, t);
                    out.add(AnswerOp.regex(what.equals("value"), p, t));
                    names += what.equals("name") ? 1 : 0;
                    i += 2;
                }
                default ->
                    throw a.err(a.token(i - 1), "invalid type \"" + a.text(i - 1) + "\" for answer rule for name rule");
            }
        }
        if (auto && names > 0) {
            throw a.err(a.token(start), "auto name answer rule cannot be combined with explicit name answer rules");
        }
        return auto;
    }

    private static void checkGroups(RewriteSetup.Args a, int at, Pattern p, Template t) throws ConfigException {
        if (t.maxGroup() > p.matcher("").groupCount()) {
            throw a.err(a.token(at), "the rewrite regex pattern (" + a.text(at)
                    + ") uses more subexpressions than its corresponding matching regex pattern (" + p.pattern() + ")");
        }
    }
}
