package lib.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * A plain text table: columns padded to their widest cell, two spaces apart. A cell may carry a
 * painter (a Console colour); widths are measured before painting, so colour does not break the
 * alignment.
 */
public final class Table {
    public record Cell(String text, UnaryOperator<String> paint) {}

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

    /** The table's lines, header first, each prefixed by {@code indent}. */
    public List<String> lines(String indent) {
        int n = header.size();
        int[] width = new int[n];
        for (int i = 0; i < n; i++) width[i] = header.get(i).length();
        for (List<Cell> r : rows)
            for (int i = 0; i < n && i < r.size(); i++) width[i] = Math.max(width[i], r.get(i).text().length());
        List<String> out = new ArrayList<>();
        List<Cell> head = new ArrayList<>();
        for (String h : header) head.add(cell(h));
        out.add(indent + render(head, width));
        for (List<Cell> r : rows) out.add(indent + render(r, width));
        return out;
    }

    private static String render(List<Cell> row, int[] width) {
        StringBuilder b = new StringBuilder();
        int last = Math.min(row.size(), width.length) - 1;
        while (last > 0 && row.get(last).text().isEmpty()) last--;
        for (int i = 0; i <= last; i++) {
            Cell c = row.get(i);
            String t = c.text();
            b.append(c.paint() == null ? t : c.paint().apply(t));
            if (i < last) b.append(" ".repeat(width[i] - t.length() + 2));
        }
        return b.toString();
    }
}
