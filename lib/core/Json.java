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

    /** Reads a JSON file into {@code type}; null when the file does not exist; a one-line error when malformed. */
    public static <T> T read(Path file, Class<T> type, String what) {
        try {
            byte[] bytes = Files.readAllBytes(file);
            if (bytes.length > 16 * 1024 * 1024) throw Fail.usage(what + " " + file + " is too large");
            return MAPPER.readValue(bytes, type);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw Fail.usage("malformed " + what + " " + file + ": " + firstLine(e.getMessage()));
        }
    }

    public static JsonNode tree(String text) {
        try {
            return MAPPER.readTree(text);
        } catch (IOException e) {
            throw Fail.failed("malformed JSON: " + firstLine(e.getMessage()));
        }
    }

    /** Writes {@code value} as pretty JSON atomically. */
    public static void writeAtomic(Path file, Object value) {
        AtomicFiles.write(file, pretty(value));
    }

    public static String firstLine(String s) {
        if (s == null) return "";
        int i = s.indexOf('\n');
        return i < 0 ? s : s.substring(0, i);
    }
}
