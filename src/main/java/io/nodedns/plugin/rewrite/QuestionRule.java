package io.nodedns.plugin.rewrite;

/** {@code type FROM TO} and {@code class FROM TO}: swaps QTYPE or QCLASS when it equals FROM. */
final class QuestionRule extends Rule {
    /** Distance of the field from the end of the question: QTYPE 4, QCLASS 2. */
    static final int TYPE = 4;
    static final int CLASS = 2;

    private final int field;
    private final int from;
    private final int to;

    QuestionRule(boolean stop, int field, int from, int to) {
        super(stop);
        this.field = field;
        this.from = from;
        this.to = to;
    }

    @Override
    int request(Session s, int index) {
        int current = field == TYPE ? s.query().qtype() : s.query().qclass();
        if (current != from) {
            return IGNORED;
        }
        s.touch();
        RequestEditor.putQuestionField(s.ex, field, to);
        return DONE;
    }
}
