package io.nodedns.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EnvSubstitutionTest {

    private final Map<String, String> vars = new HashMap<>(Map.of(
            "A", "alpha", "B", "beta", "SELF", "{$SELF}", "PCT", "{$B}", "DOLLAR", "{%A%}"));
    private final EnvSubstitution env = new EnvSubstitution(vars::get);

    @Test
    void bothFormsWholeAndMidToken() {
        assertEquals("alpha", env.apply("{$A}"));
        assertEquals("alpha", env.apply("{%A%}"));
        assertEquals("x-alpha-y", env.apply("x-{$A}-y"));
        assertEquals("alphabeta", env.apply("{$A}{%B%}"));
        assertEquals("alpha.alpha", env.apply("{$A}.{$A}"));
    }

    @Test
    void unsetBecomesEmpty() {
        assertEquals("", env.apply("{$NOPE}"));
        assertEquals("ab", env.apply("a{%NOPE%}b"));
    }

    @Test
    void unterminatedFormsStayLiteral() {
        assertEquals("{%ADDRESS}", env.apply("{%ADDRESS}"));
        assertEquals("{$A", env.apply("{$A"));
        assertEquals("alpha{$B", env.apply("{$A}{$B"));
    }

    @Test
    void emptyNamesStayLiteral() {
        assertEquals("{$}", env.apply("{$}"));
        assertEquals("{%%}", env.apply("{%%}"));
        assertEquals("{%}", env.apply("{%}"));
    }

    @Test
    void percentFormIsReplacedFirst() {
        // {%PCT%} gives "{$B}", which the later {$...} pass then expands, as in caddy
        assertEquals("beta", env.apply("{%PCT%}"));
        // but a {$...} value is not re-scanned for {%...%}
        assertEquals("{%A%}", env.apply("{$DOLLAR}"));
    }

    @Test
    void valuesAreNotExpandedRecursively() {
        assertEquals("{$SELF}", env.apply("{$SELF}"));
    }

    @Test
    void textWithoutReferencesIsUnchanged() {
        assertEquals("plain {text} $A %A%", env.apply("plain {text} $A %A%"));
        assertEquals("", env.apply(""));
    }

    @Test
    void nullLookupMeansUnset() {
        assertEquals("xy", new EnvSubstitution(name -> null).apply("x{$A}y"));
    }

    @Test
    void throwingLookupMeansUnset() {
        EnvSubstitution broken = new EnvSubstitution(name -> {
            throw new IllegalArgumentException("bad name");
        });
        assertEquals("ab", broken.apply("a{$X}b"));
    }
}
