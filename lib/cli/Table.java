package lib.cli;

import java.nio.charset.Charset;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * A plain text table: columns padded to their widest cell, two spaces apart. A cell may carry a
 * painter (a Console colour); widths are measured before painting, so colour does not break the
 * alignment. Given a width (a terminal's, see {@link Console#width()}), the widest columns are
 * narrowed until a line fits and their long cells end in an ellipsis; width 0 prints every cell whole.
 */
public final class Table {
    public record Cell(String text, UnaryOperator<String> paint) {}

    /** A narrowed column keeps at least its header, or this many characters. */
    static final int MIN_COLUMN = 5;
    /** What ends a shortened cell: "…" where the output's charset has it, else "...". */
    static final String ELLIPSIS = Charset.defaultCharset().newEncoder().canEncode('\u2026') ? "\u2026" : "...";

    private final List<String> header;
    private final List<List<Cell>> rows = new ArrayList<>();

    public Table(String... header) {
        this.header = List.of(header);
    }

    public static Cell cell(String text) {
        return new Cell(text == null ? "" : text, null);
    }

    public static Cell cell(String text, UnaryOperator<String> paint) {
        return new Cell(text == null ? "" : text, paint);
    }

    /** A row of plain cells. */
    public Table add(String... cells) {
        List<Cell> row = new ArrayList<>();
        for (String c : cells) row.add(cell(c));
        rows.add(row);
        return this;
    }

    public Table add(List<Cell> cells) {
        rows.add(List.copyOf(cells));
        return this;
    }

    public boolean isEmpty() { return rows.isEmpty(); }

    /** The table's lines, header first, each prefixed by {@code indent}; every cell whole. */
    public List<String> lines(String indent) {
        return lines(indent, 0);
    }

    /**
     * The table's lines, header first, each prefixed by {@code indent}, no longer than {@code width}
     * characters where narrowing the widest columns down to {@link #MIN_COLUMN} can make them fit
     * (0: no limit).
     */
    public List<String> lines(String indent, int width) {
        int[] w = fit(naturalWidths(), width <= 0 ? Integer.MAX_VALUE : width - indent.length());
        List<String> out = new ArrayList<>();
        List<Cell> head = new ArrayList<>();
        for (String h : header) head.add(cell(h));
        out.add(indent + render(head, w));
        for (List<Cell> r : rows) out.add(indent + render(r, w));
        return out;
    }

    private int[] naturalWidths() {
        int n = header.size();
        int[] w = new int[n];
        for (int i = 0; i < n; i++) w[i] = header.get(i).length();
        for (List<Cell> r : rows)
            for (int i = 0; i < n && i < r.size(); i++) w[i] = Math.max(w[i], r.get(i).text().length());
        return w;
    }

    /** Narrows the widest column, one character at a time, until the columns and their gaps fit in {@code room}. */
    private int[] fit(int[] natural, int room) {
        int[] w = natural.clone();
        int total = 2 * Math.max(0, w.length - 1);
        for (int x : w) total += x;
        while (total > room) {
            int widest = -1;
            for (int i = 0; i < w.length; i++)
                if (w[i] > floor(i, natural[i]) && (widest < 0 || w[i] > w[widest])) widest = i;
            if (widest < 0) break;
            w[widest]--;
            total--;
        }
        return w;
    }

    private int floor(int column, int natural) {
        return Math.min(natural, Math.max(MIN_COLUMN, header.get(column).length()));
    }

    private static String render(List<Cell> row, int[] width) {
        StringBuilder b = new StringBuilder();
        int last = Math.min(row.size(), width.length) - 1;
        while (last > 0 && row.get(last).text().isEmpty()) last--;
        for (int i = 0; i <= last; i++) {
            Cell c = row.get(i);
            String t = shorten(c.text(), width[i]);
            b.append(c.paint() == null ? t : c.paint().apply(t));
            if (i < last) b.append(" ".repeat(width[i] - t.length() + 2));
        }
        return b.toString();
    }

    /** {@code text}, or its start and an ellipsis in {@code width} characters when it is longer. */
    static String shorten(String text, int width) {
        if (text.length() <= width) return text;
        if (width <= ELLIPSIS.length()) return text.substring(0, width);
        return text.substring(0, width - ELLIPSIS.length()) + ELLIPSIS;
    }
}
