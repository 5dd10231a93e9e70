import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * For android/check/pom.xml: takes the compiled classes out of every AAR in a folder — its
 * classes.jar, and any libs/*.jar — as jars beside it (x-1.0.aar → x-1.0.aar.classes.jar), for
 * kotlinc's classpath. Run with `java AarClasses.java <folder>` (the JDK's source launcher).
 */
public class AarClasses {
    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        try (var aars = Files.newDirectoryStream(dir, "*.aar")) {
            for (Path aar : aars) {
                try (ZipFile zip = new ZipFile(aar.toFile())) {
                    var entries = zip.entries();
                    while (entries.hasMoreElements()) {
                        ZipEntry entry = entries.nextElement();
                        String name = entry.getName();
                        String target;
                        if (name.equals("classes.jar")) {
                            target = aar.getFileName() + ".classes.jar";
                        } else if (name.startsWith("libs/") && name.endsWith(".jar")) {
                            target = aar.getFileName() + "." + name.substring(5);
                        } else {
                            continue;
                        }
                        try (InputStream in = zip.getInputStream(entry)) {
                            Files.copy(in, dir.resolve(target), StandardCopyOption.REPLACE_EXISTING);
                        }
                    }
                }
            }
        }
    }
}
