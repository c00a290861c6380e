package lib.core;


import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** The one Jackson mapper: snake_case field names, unknown fields ignored, nulls left out. */
public final class Json {
    private Json() {}

    public static final ObjectMapper MAPPER = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .disable(MapperFeature.AUTO_DETECT_GETTERS, MapperFeature.AUTO_DETECT_IS_GETTERS, MapperFeature.AUTO_DETECT_SETTERS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
            .defaultPropertyInclusion(JsonInclude.Value.construct(JsonInclude.Include.NON_NULL, JsonInclude.Include.NON_NULL))
            .build();


    /** One line of JSON (history records; newlines inside strings are escaped). */
    public static String line(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw Fail.failed("cannot write JSON: " + e.getMessage(), e);
        }
    }

    public static String pretty(Object value) {
        try {
            return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(value) + "\n";
        } catch (JsonProcessingException e) {
            throw Fail.failed("cannot write JSON: " + e.getMessage(), e);
        }
    }

    /**
     * Reads a JSON file into {@code type}; null when the file does not exist; a one-line error when
     * malformed, too large, or not a regular file (see {@link SmallFiles}).
     */
    public static <T> T read(Path file, Class<T> type, String what) {
        try {
            return MAPPER.readValue(SmallFiles.read(file, what, SmallFiles.MAX_BYTES), type);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw Fail.usage("malformed " + what + " " + file + ": " + problem(e));
        }
    }

    public static JsonNode tree(String text) {
        try {
            return MAPPER.readTree(text);
        } catch (IOException e) {
            throw Fail.failed("malformed JSON: " + problem(e));
        }
    }

    /** Writes {@code value} as pretty JSON atomically. */
    public static void writeAtomic(Path file, Object value) {
        AtomicFiles.write(file, pretty(value));
    }

    /**
     * What is wrong with a JSON text, in JSON's words: "images.app: expected an object, found a number"
     * for a value of the wrong type, else the parser's first line; never a Java type name.
     */
    public static String problem(IOException e) {
        if (e instanceof com.fasterxml.jackson.databind.exc.MismatchedInputException m && m.getTargetType() != null) {
            StringBuilder path = new StringBuilder();
            for (com.fasterxml.jackson.databind.JsonMappingException.Reference r : m.getPath()) {
                if (r.getFieldName() != null) path.append(path.length() == 0 ? "" : ".").append(r.getFieldName());
                else if (r.getIndex() >= 0) path.append('[').append(r.getIndex()).append(']');
            }
            java.util.regex.Matcher found = java.util.regex.Pattern.compile("from (\\w+) value").matcher(String.valueOf(m.getOriginalMessage()));
            String f = found.find() ? jsonKind(found.group(1)) : null;
            return (path.length() == 0 ? "the top level" : path) + ": expected " + expected(m.getTargetType()) + (f == null ? "" : ", found " + f);
        }
        return Http.withoutClassNames(firstLine(e instanceof com.fasterxml.jackson.core.JsonProcessingException p ? p.getOriginalMessage() : e.getMessage()))
                .replaceAll("\\s*\\(token `?[\\w.]*`?\\)", "");
    }

    private static String expected(Class<?> t) {
        if (t == String.class || t == char.class || t == Character.class || t.isEnum()) return "a string";
        if (t == boolean.class || t == Boolean.class) return "true or false";
        if (t.isPrimitive() || Number.class.isAssignableFrom(t)) return "a number";
        if (t.isArray() || java.util.Collection.class.isAssignableFrom(t)) return "an array";
        return "an object";
    }

    private static String jsonKind(String jackson) {
        return switch (jackson) {
            case "Array" -> "an array";
            case "Object" -> "an object";
            case "String" -> "a string";
            case "Boolean" -> "true or false";
            case "Null" -> "null";
            default -> jackson.contains("Number") || jackson.contains("Integer") || jackson.contains("Floating") ? "a number" : null;
        };
    }

    public static String firstLine(String s) {
        if (s == null) return "";
        int i = s.indexOf('\n');
        return i < 0 ? s : s.substring(0, i);
    }
}
